# Norwegian public-sector style: dd.mm.åååå everywhere, 24-hour clock with a dot («kl. 10.00», as the
# Language Council writes it). Pages, e-mails and PDFs show times with `|time` and `|date:"DATETIME_FORMAT"`,
# so this is the one place the format is set.
DATE_FORMAT = "d.m.Y"
SHORT_DATE_FORMAT = "d.m.Y"
DATETIME_FORMAT = "d.m.Y \\k\\l. H.i"
SHORT_DATETIME_FORMAT = "d.m.Y H.i"
TIME_FORMAT = "H.i"
MONTH_DAY_FORMAT = "j. F"
YEAR_MONTH_FORMAT = "F Y"
DATE_INPUT_FORMATS = ["%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d"]
DATETIME_INPUT_FORMATS = ["%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"]
FIRST_DAY_OF_WEEK = 1
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"
NUMBER_GROUPING = 3
