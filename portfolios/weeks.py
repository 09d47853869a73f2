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
    months = [MONTHS.index(match.group(1).lower()) + 1 for match in MONTH_WORD.finditer(text)]
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
