"""Writes for programmes and portfolios."""

from datetime import date, timedelta

from django.db import transaction
from django.http import HttpRequest
from django.utils import dates, translation

from accounts.models import User
from accounts.services import audit_log

from .models import FoundationSection, PlanItem, Portfolio


def when_text_for(day: date) -> str:
    """A plan row's «Når» as the documents write it: «Februar 2025»."""
    with translation.override("nb"):
        return f"{str(dates.MONTHS[day.month]).capitalize()} {day.year}"


def _shifted(day: date | None, delta: timedelta) -> date | None:
    return day + delta if day else None


@transaction.atomic
def portfolio_copy(
    *,
    portfolio: Portfolio,
    name: str,
    number: int | None,
    shift_weeks: int,
    copied_by: User,
    request: HttpRequest | None = None,
) -> Portfolio:
    """Copy a portfolio with its foundation document and plan to a new period.

    Every date moves by `shift_weeks` weeks, so weekdays stay; ISO week numbers follow the new dates.
    A plan row's «Når» is written anew from its moved dates; rows without dates keep their
    wording, which the programme leader then checks. Groups are not copied: they apply anew.
    """
    delta = timedelta(weeks=shift_weeks)
    copy = Portfolio.objects.create(
        programme=portfolio.programme,
        number=number,
        name=name,
        document_title=portfolio.document_title,
        plan_title=portfolio.plan_title,
        agreement_start=portfolio.agreement_start + delta,
        agreement_end=portfolio.agreement_end + delta,
        status=Portfolio.Status.PLANNED,
    )
    copy.advisers.set(portfolio.advisers.all())
    FoundationSection.objects.bulk_create(
        FoundationSection(portfolio=copy, order=s.order, heading=s.heading, text=s.text)
        for s in portfolio.sections.all()
    )
    items = []
    for item in portfolio.plan_items.all():
        starts_on, week_from = _shifted(item.starts_on, delta), _shifted(item.week_from, delta)
        first_day = starts_on or week_from
        items.append(
            PlanItem(
                portfolio=copy,
                order=item.order,
                number=item.number,
                title=item.title,
                kind=item.kind,
                audience=item.audience,
                format=item.format,
                when_text=when_text_for(first_day) if first_day else item.when_text,
                starts_on=starts_on,
                ends_on=_shifted(item.ends_on, delta),
                week_from=week_from,
                week_to=_shifted(item.week_to, delta),
                notes=item.notes,
            )
        )
    PlanItem.objects.bulk_create(items)
    audit_log(
        action="portfolio.copied",
        actor=copied_by,
        obj=copy,
        request=request,
        payload={"source_id": portfolio.pk, "shift_weeks": shift_weeks},
    )
    return copy
