"""Pages that compose several apps: each person's landing page and the portfolio overviews."""

from collections.abc import Iterable

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render

from accounts.access import AccessRefused, AuthenticatedRequest, require_programme_leader
from applications.review_selectors import application_of_group
from contracts.models import Contract
from contracts.selectors import contracts_of_group
from development_plans.models import PlanVersion
from development_plans.selectors import group_plan_summary
from meetings.selectors import attendance_warnings, meeting_plan, with_meeting_overview
from municipalities.models import MunicipalityGroup
from municipalities.selectors import (
    former_groups_of_member,
    former_members,
    get_group_for_user,
    groups_of_member,
    members_in_role_order,
    membership_history,
)
from portfolios.models import Portfolio
from portfolios.selectors import get_portfolio_for_user

from .todo import adviser_todo, group_todo, leader_todo, member_todo
from .year_wheel import group_year_wheel


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    """Sends each person to where their work is."""
    user = request.user
    if user.is_programme_leader:
        return redirect("dashboard:portfolio_list")
    if user.is_adviser:
        return redirect("dashboard:my_groups")
    groups = list(groups_of_member(user))
    former = list(
        former_groups_of_member(user).prefetch_related(
            "municipalities",  # the group's display name when it has no name of its own
            Prefetch("contracts", Contract.objects.select_related("municipality").order_by("municipality__name")),
            Prefetch("development_plan__versions", PlanVersion.objects.order_by("number")),
        )
    )
    if len(groups) == 1 and not former:
        return redirect(groups[0])
    return render(
        request, "dashboard/member_home.html", {"groups": groups, "former": former, "todo": member_todo(user)}
    )


def _status_counts(groups: Iterable[MunicipalityGroup]) -> dict[str, int]:
    counts = dict.fromkeys(MunicipalityGroup.Status.labels, 0)
    for group in groups:
        counts[group.get_status_display()] += 1
    return {label: n for label, n in counts.items() if n}


def _completed_portfolios() -> list[Portfolio]:
    """The completed portfolios, newest first, each with its number of groups and of groups per status
    (`status_counts`) counted in the one query: the list never loads their groups."""
    statuses = MunicipalityGroup.Status
    portfolios = list(
        Portfolio.objects.filter(status=Portfolio.Status.COMPLETED)
        .select_related("programme")
        .annotate(
            group_count=Count("groups"),
            **{f"groups_{s.value}": Count("groups", filter=Q(groups__status=s.value)) for s in statuses},
        )
    )
    for portfolio in portfolios:
        counts = {s.label: getattr(portfolio, f"groups_{s.value}") for s in statuses}
        # An attribute for the template alone (dashboard/portfolio_list.html), which Portfolio does not declare.
        portfolio.status_counts = {label: n for label, n in counts.items() if n}
    return portfolios


@login_required
def portfolio_list(request: AuthenticatedRequest) -> HttpResponse:
    """The programme leader's overview: the running portfolios with each of their groups, then the completed
    ones folded away with their counts alone, so that ten years of history add rows, not groups."""
    require_programme_leader(request.user)
    running: list[Portfolio] = list(
        Portfolio.objects.exclude(status=Portfolio.Status.COMPLETED)
        .select_related("programme")
        .prefetch_related(Prefetch("groups", MunicipalityGroup.objects.with_overview().order_by("name", "pk")))
    )
    for portfolio in running:
        # An attribute for the template alone (dashboard/portfolio_list.html), which Portfolio does not declare.
        portfolio.status_counts = _status_counts(portfolio.groups.all())  # type: ignore[attr-defined]
    return render(
        request,
        "dashboard/portfolio_list.html",
        {"portfolios": running, "completed": _completed_portfolios(), "todo": leader_todo()},
    )


@login_required
def portfolio_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A portfolio's plan and the groups in it that the user may see."""
    portfolio = get_portfolio_for_user(request.user, pk)
    groups = (
        MunicipalityGroup.objects.visible_to(request.user).filter(portfolio=portfolio).with_overview().order_by("name")
    )
    if request.user.is_staff:
        # Only staff see the meetings table (the template's condition); members are spared its subqueries.
        groups = with_meeting_overview(groups)
    return render(
        request,
        "dashboard/portfolio_detail.html",
        {"portfolio": portfolio, "groups": groups, "plan_items": portfolio.plan_items.all()},
    )


@login_required
def my_groups(request: AuthenticatedRequest) -> HttpResponse:
    """«Mine kommunegrupper»: the groups an adviser follows."""
    if not (request.user.is_adviser or request.user.is_programme_leader):
        raise AccessRefused
    groups = with_meeting_overview(
        MunicipalityGroup.objects.filter(adviser=request.user)
        .with_overview()
        .order_by("-portfolio__agreement_start", "name")
    )
    return render(request, "dashboard/my_groups.html", {"groups": groups, "todo": adviser_todo(request.user)})


@login_required
def group_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A group's page: its members, the portfolio's plan and, from each capability app, the group's part."""
    group = get_group_for_user(request.user, pk)
    portfolio = group.portfolio
    contracts = contracts_of_group(group)
    meetings = meeting_plan(group)
    development_plan = group_plan_summary(request.user, group)
    # Staff only, like the notes' internal remarks: who stayed away is for the adviser to follow up.
    is_staff_of_group = request.user.is_programme_leader or group.adviser_id == request.user.pk
    warnings = attendance_warnings([group.pk]).get(group.pk, []) if is_staff_of_group else []
    return render(
        request,
        "dashboard/group_detail.html",
        {
            "group": group,
            "portfolio": portfolio,
            "members": members_in_role_order(group),
            "former_members": former_members(group),
            "membership_history": membership_history(group),
            "can_invite": request.user.is_programme_leader or group.adviser_id == request.user.pk,
            "plan_items": portfolio.plan_items.all(),
            "shortcomings": group.shortcomings(),
            "composition_warnings": group.warnings(),
            "attendance_warnings": warnings,
            "contracts": contracts,
            "meeting_plan": meetings,
            "development_plan": development_plan,
            "todo": group_todo(request.user, group),
            # What the group applied with (issue 15): the programme leader's to read.
            "application": application_of_group(group.pk) if request.user.is_programme_leader else None,
            # Built from what the page loads anyway: no query of its own.
            "group_year_wheel": group_year_wheel(meetings.meetings, contracts, development_plan["plan"]),
        },
    )
