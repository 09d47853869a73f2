"""Writes for programmes and portfolios."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TypedDict

from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest

from accounts.models import User
from accounts.services import audit_log

from .models import PERIOD_PLACEHOLDER, PLAN_PLACEHOLDER, FoundationSection, PlanItem, Portfolio
from .weeks import MONTHS, calendar_shift, iso_shift, months_named, shift_title, shift_when, time_references


class CopyDetails(TypedDict):
    """What a copy of a portfolio to a new period is given: the whole years its plan moves, and the new
    portfolio's name, number, agreement period and titles."""

    years: int
    name: str
    number: int | None
    agreement_start: date
    agreement_end: date
    document_title: str
    plan_title: str


@dataclass
class CopyResult:
    portfolio: Portfolio
    # What the programme leader must still check, one sentence each, in Norwegian.
    to_check: list[str] = field(default_factory=list)


def portfolio_copy_suggestions(*, portfolio: Portfolio, years: int, number: int | None = None) -> CopyDetails:
    """What a copy of `portfolio` moved `years` years would most likely be: `number`, else the next number in
    its programme; the agreement period on the same days and months; and the name and titles with their
    years (and «portefølje 4») moved. The programme leader sees them and may change each."""
    if number is None and portfolio.number is not None:
        highest = Portfolio.objects.filter(programme=portfolio.programme_id).aggregate(n=Max("number"))["n"]
        number = max(highest or 0, portfolio.number) + 1

    def moved(title: str) -> str:
        return shift_title(title, years, portfolio.number, number)

    name = moved(portfolio.name)
    return CopyDetails(
        years=years,
        name=name if name != portfolio.name else f"{portfolio.name} (kopi)",
        number=number,
        agreement_start=calendar_shift(portfolio.agreement_start, years),
        agreement_end=calendar_shift(portfolio.agreement_end, years),
        document_title=moved(portfolio.document_title),
        plan_title=moved(portfolio.plan_title),
    )


def _span_display(first: date, last: date) -> str:
    return f"{first:%d.%m.%Y}" if first == last else f"{first:%d.%m.}–{last:%d.%m.%Y}"


def _copied_item(item: PlanItem, portfolio: Portfolio, years: int) -> tuple[PlanItem, list[str]]:
    """`item` moved `years` ISO years for `portfolio`, with what the leader must check about it."""
    to_check: list[str] = []
    moved: dict[date, date] = {}

    def shift(day: date | None) -> date | None:
        if day is None:
            return None
        new, to_week_52 = iso_shift(day, years)
        if to_week_52:
            to_check.append(
                f"Planen, «{item.title}»: uke 53 finnes ikke i {new.year}; raden er lagt i uke 52 ({new:%d.%m.%Y})."
            )
        moved[day] = new
        return new

    copy = PlanItem(
        portfolio=portfolio,
        order=item.order,
        number=item.number,
        title=item.title,
        kind=item.kind,
        audience=item.audience,
        format=item.format,
        starts_on=shift(item.starts_on),
        ends_on=shift(item.ends_on),
        week_from=shift(item.week_from),
        week_to=shift(item.week_to),
        # The weeks stay the weeks they were, so the plan's own wording of them stays true.
        weeks_text=item.weeks_text,
        notes=item.notes,
    )
    # Every day of the row's dates, so that «24.-25.09» finds both of its days.
    if item.starts_on and copy.starts_on:
        length = ((item.ends_on or item.starts_on) - item.starts_on).days
        moved |= {item.starts_on + timedelta(days=n): copy.starts_on + timedelta(days=n) for n in range(length + 1)}
    copy.when_text, unmoved = shift_when(item.when_text, years, {(d.day, d.month): new for d, new in moved.items()})
    if unmoved:
        to_check.append(
            f"Planen, «{item.title}»: «Når» («{copy.when_text}») nevner {', '.join(unmoved)}, "
            "som ikke er radens egne datoer og derfor ikke er flyttet."
        )
    # A month word that no longer fits the moved dates or weeks (week 36 can begin on 31 August).
    span, named = copy.span, months_named(copy.when_text)
    if span and (copy.starts_on or copy.week_from) and named:
        months_of_span = {(span[0].month + n - 1) % 12 + 1 for n in range((span[1].month - span[0].month) % 12 + 1)}
        if not named & months_of_span:
            words = " eller ".join(MONTHS[m - 1] for m in sorted(named))
            to_check.append(f"Planen, «{item.title}»: «Når» sier {words}, men raden ligger nå {_span_display(*span)}.")
    return copy, to_check


def _section_to_check(section: FoundationSection) -> str:
    """A sentence for the leader if the section names years, dates or pages, which a copy does not move."""
    text = section.text.replace(PERIOD_PLACEHOLDER, "").replace(PLAN_PLACEHOLDER, "")
    found = time_references(f"{section.heading}\n{text}")
    if not found:
        return ""
    return (
        f"Grunnlagsdokumentet, «{section.heading}»: nevner {', '.join(found)}. "
        "Det er ikke flyttet; endre det som gjelder den nye perioden."
    )


@transaction.atomic
def portfolio_copy(
    *,
    portfolio: Portfolio,
    years: int,
    name: str,
    number: int | None,
    agreement_start: date,
    agreement_end: date,
    document_title: str,
    plan_title: str,
    copied_by: User | None,
    request: HttpRequest | None = None,
) -> CopyResult:
    """Copy a portfolio with its foundation document, plan and advisers to a new period, `years` years on.

    The plan moves by ISO years: every date goes to the same weekday of the same ISO week, so week 4 stays
    week 4 and a Friday stays a Friday, whatever the years in between (some have a week 53). A row's «Når»
    keeps its wording with its years and its own dates moved. The agreement period and titles are the ones
    given (portfolio_copy_suggestions proposes them). Groups are not copied: they apply anew. Returns the
    copy with what the programme leader must still check: what could not be moved with certainty.
    """
    copy = Portfolio.objects.create(
        programme=portfolio.programme,
        number=number,
        name=name,
        document_title=document_title,
        plan_title=plan_title,
        agreement_start=agreement_start,
        agreement_end=agreement_end,
        status=Portfolio.Status.PLANNED,
    )
    copy.advisers.set(portfolio.advisers.all())
    sections = list(portfolio.sections.all())
    FoundationSection.objects.bulk_create(
        FoundationSection(portfolio=copy, order=s.order, heading=s.heading, text=s.text) for s in sections
    )
    result = CopyResult(portfolio=copy)
    items = []
    for item in portfolio.plan_items.all():
        moved, to_check = _copied_item(item, copy, years)
        items.append(moved)
        result.to_check += to_check
    PlanItem.objects.bulk_create(items)
    result.to_check += [sentence for section in sections if (sentence := _section_to_check(section))]
    # Years of the old period, not of the new one, that the leader kept (or typed) in the name and titles.
    old_years = {str(y) for y in range(portfolio.agreement_start.year, portfolio.agreement_end.year + 1)}
    old_years -= {str(y) for y in range(agreement_start.year, agreement_end.year + 1)}
    for label, title in (
        ("Navnet", name),
        ("Tittelen på grunnlagsdokumentet", document_title),
        ("Tittelen på planen", plan_title),
    ):
        if kept := sorted(y for y in old_years if y in time_references(title)):
            result.to_check.append(f"{label} «{title}» nevner fortsatt {', '.join(kept)}.")
    audit_log(
        action="portfolio.copied",
        actor=copied_by,
        obj=copy,
        request=request,
        payload={"source_id": portfolio.pk, "years": years, "to_check": len(result.to_check)},
    )
    return result
