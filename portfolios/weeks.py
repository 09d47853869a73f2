"""ISO weeks, months and years as the plans («Plan for gjennomføring») write them.

The documents name weeks («6/7», «40-44», «2-3 eller 4»), months with a year («Februar 2023», «Oktober 24»,
«Juni eller august 25») and days («27.01», «24.-25.09», «15. mars»). These helpers read and write that
wording; they import nothing from the project, so that every app can use them.
"""

import calendar
import re
from collections.abc import Sequence
from datetime import date, timedelta

MONTHS = [
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
]
MONTH_WORD = re.compile(r"\b(" + "|".join(MONTHS) + r")\b", re.IGNORECASE)
# A year in a plan's «Når»: «2023», or two digits right after a month word («Oktober 24», «august 25:»),
# never a day («15. mars»: the digits come before the month).
YEAR = re.compile(r"\b(?P<full>20\d\d)\b|\b(?:" + "|".join(MONTHS) + r")\s+(?P<short>\d\d)\b(?!\.)", re.IGNORECASE)


def iso_weeks(first: date, last: date) -> list[int]:
    """The ISO week numbers from the week of `first` to the week of `last`, in order."""
    monday = first - timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        weeks.append(monday.isocalendar().week)
        monday += timedelta(weeks=1)
    return weeks


def weeks_label(weeks: Sequence[int]) -> str:
    """Weeks as the documents write them: «6», two adjacent weeks «6/7» and «49/50», more «40–44»."""
    if len(weeks) <= 2:
        return "/".join(str(week) for week in weeks)
    return f"{weeks[0]}–{weeks[-1]}"


def months_span(text: str) -> tuple[date, date] | None:
    """The months a «Når» names, from the first day of the earliest to the last day of the latest, in the year
    it names: «Juni eller august 25» is 01.06.2025–31.08.2025. None without a month or a year."""
    months = months_named(text)
    year_match = YEAR.search(text)
    if not months or year_match is None:
        return None
    year = int(year_match["full"]) if year_match["full"] else 2000 + int(year_match["short"])
    first, last = min(months), max(months)
    return date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1])


def iso_shift(day: date, years: int) -> tuple[date, bool]:
    """`day` moved `years` ISO years: the same weekday of the same ISO week, so that week 4 stays week 4 and a
    Friday stays a Friday. Week 53 exists only in some years; where it does not, the day moves to week 52,
    the nearer of the two neighbours in the calendar. Returns the day and whether it had to be moved so."""
    year, week, weekday = day.isocalendar()
    target = year + years
    if week == 53 and date(target, 12, 28).isocalendar().week == 52:  # 28 December is always in the last week
        return date.fromisocalendar(target, 52, weekday), True
    return date.fromisocalendar(target, week, weekday), False


def calendar_shift(day: date, years: int) -> date:
    """`day` moved `years` calendar years: the same day and month (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


# What moves when a portfolio is copied to a new period. Every pattern is applied in one pass, so that a
# replaced date is never read again as an old one.
_MONTHS = "|".join(MONTHS)
_WHEN = re.compile(
    # «24.-25.09», «26-27.11»: two days of one month.
    r"\b(?P<d1>\d{1,2})(?P<dot>\.?)(?P<dash>\s*[-–]\s*)(?P<d2>\d{1,2})\.(?P<m2>\d{1,2})\b(?![.,]\d)"
    # «15. mars»
    rf"|\b(?P<wd>\d{{1,2}})\.(?P<wsp>\s+)(?P<wm>{_MONTHS})\b"
    # «27.01», «21.08»
    r"|\b(?P<dd>\d{1,2})\.(?P<dm>\d{1,2})\b(?![.,]\d)"
    # «Oktober 24», «august 25:»: a two-digit year after a month word
    rf"|\b(?P<ym>{_MONTHS})(?P<ysp>\s+)(?P<yy>\d\d)\b(?!\.)"
    # «2023»
    r"|\b(?P<year>(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
_TITLE = re.compile(
    # «2023-24», «2023–24»: a period written with its second year in two digits.
    r"\b(?P<y1>(?:19|20)\d\d)(?P<sep>\s*[-–]\s*)(?P<y2>\d\d)\b(?!\d)"
    r"|\b(?P<year>(?:19|20)\d\d)\b"
    r"|\b(?P<word>portefølje\s+)(?P<number>\d+)\b",
    re.IGNORECASE,
)
# What a foundation section may say of time that a copy cannot know to move: years, dates, pages.
_TIME_REFERENCE = re.compile(
    rf"\b\d{{1,2}}\.\s*(?:{_MONTHS})\b|\b\d{{1,2}}\.\d{{1,2}}\.(?:\d{{2,4}})?|\b(?:19|20)\d\d\b|\bside\s+\d+\b",
    re.IGNORECASE,
)


def _width(token: str, value: int) -> str:
    """`value` written as wide as `token` was («01» → «02», «1» → «2»)."""
    return str(value).zfill(len(token))


def shift_title(text: str, years: int, number_from: int | None = None, number_to: int | None = None) -> str:
    """A title or name moved `years` years: «2023–2024» → «2024–2025», «2023-24» → «2024-25», and «portefølje
    4» → «portefølje 5» where `number_from` is 4 and `number_to` 5."""

    def replace(match: re.Match[str]) -> str:
        if match["y1"]:
            return f"{int(match['y1']) + years}{match['sep']}{(int(match['y2']) + years) % 100:02d}"
        if match["year"]:
            return str(int(match["year"]) + years)
        if number_from is not None and number_to is not None and int(match["number"]) == number_from:
            return f"{match['word']}{number_to}"
        return match[0]

    return _TITLE.sub(replace, text)


def shift_when(text: str, years: int, moved: dict[tuple[int, int], date]) -> tuple[str, list[str]]:
    """A plan row's «Når» moved `years` years: its years move, and its days («27.01», «24.-25.09», «15. mars»)
    become the days they moved to (`moved`: (day, month) → the new date). Returns the text and what could
    not be moved (days that are not the row's own dates), for the programme leader to check."""
    unmoved: list[str] = []

    def new_day(day: str, month: int) -> date | None:
        moved_to = moved.get((int(day), month))
        if moved_to is None:
            unmoved.append(f"{day}.{month:02d}")
        return moved_to

    def replace(match: re.Match[str]) -> str:
        if match["d1"]:
            month = int(match["m2"])
            first, last = new_day(match["d1"], month), new_day(match["d2"], month)
            if first is None or last is None:
                return match[0]
            if first.month != last.month:
                return f"{first:%d.%m}{match['dash']}{last:%d.%m}"
            return (
                f"{_width(match['d1'], first.day)}{match['dot']}{match['dash']}"
                f"{_width(match['d2'], last.day)}.{_width(match['m2'], last.month)}"
            )
        if match["wd"]:
            word = match["wm"]
            moved_to = new_day(match["wd"], MONTHS.index(word.lower()) + 1)
            if moved_to is None:
                return match[0]
            name = MONTHS[moved_to.month - 1]
            name = name.capitalize() if word[0].isupper() else name
            return f"{_width(match['wd'], moved_to.day)}.{match['wsp']}{name}"
        if match["dd"]:
            moved_to = new_day(match["dd"], int(match["dm"]))
            if moved_to is None:
                return match[0]
            return f"{_width(match['dd'], moved_to.day)}.{_width(match['dm'], moved_to.month)}"
        if match["yy"]:
            return f"{match['ym']}{match['ysp']}{(int(match['yy']) + years) % 100:02d}"
        return str(int(match["year"]) + years)

    return _WHEN.sub(replace, text), unmoved


def months_named(text: str) -> set[int]:
    """The months (1–12) a text names."""
    return {MONTHS.index(match.group(1).lower()) + 1 for match in MONTH_WORD.finditer(text)}


def time_references(text: str) -> list[str]:
    """The years, dates and page numbers a text names, each once, in order: what a copy cannot move."""
    return list(dict.fromkeys(match[0] for match in _TIME_REFERENCE.finditer(text)))
