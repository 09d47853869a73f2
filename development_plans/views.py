"""The development plan's pages. Each view fetches through the selectors (which decide who may do what),
calls one service and redirects; a form with an error is shown again with what was typed."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.access import AuthenticatedRequest
from core.concurrency import EditGuard, Shown, form_values, save_unless_stale
from core.downloads import attachment, download_name
from core.pdf import PDF_ARCHIVE, render_pdf

from . import services
from .forms import CommentForm, GoalForm, MeasureForm, PlanForm
from .models import DevelopmentPlan, Goal, Measure
from .selectors import (
    Need,
    change_log_entries,
    get_goal,
    get_group_plan_for_user,
    get_measure,
    get_plan_for_user,
    get_portfolio_for_programme_leader,
    get_version,
    plan_page_data,
    plan_snapshot,
    portfolio_plan_overview,
    progress_data,
    snapshot_for_display,
)


def _direction(request: HttpRequest) -> services.Direction:
    return "up" if request.POST.get("direction") == "up" else "down"


@login_required
def group_plan(request: AuthenticatedRequest, group_pk: int) -> HttpResponse:
    """The group's plan, or, before it exists, a page that lets an editor start it."""
    group, plan, access = get_group_plan_for_user(request.user, group_pk)
    if plan is not None:
        return redirect(plan)
    return render(request, "development_plans/plan_missing.html", {"group": group, "access": access})


@login_required
@require_POST
def plan_create(request: AuthenticatedRequest, group_pk: int) -> HttpResponse:
    group, plan, _ = get_group_plan_for_user(request.user, group_pk, need="can_edit")
    if plan is None:
        plan = services.plan_create(group=group, user=request.user, request=request)
        messages.success(request, "Utviklingsplanen er opprettet.")
    return redirect(plan)


@login_required
def plan_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, pk)
    context = {"plan": plan, "group": plan.group, "access": plan.access, **plan_page_data(plan)}
    if plan.access.can_comment:
        context["comment_form"] = CommentForm()
    return render(request, "development_plans/plan_detail.html", context)


@login_required
def plan_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, pk, need="can_edit")
    form = PlanForm(request.POST or None, instance=plan)
    guard = EditGuard(request.POST or None, row=plan, values=form_values(form))

    def reread() -> tuple[DevelopmentPlan, dict[str, Shown]]:
        now = DevelopmentPlan.objects.select_related("revised_by").get(pk=plan.pk)
        return now, form_values(PlanForm(instance=now))

    def save(revision: int | None) -> None:
        services.plan_update(plan=plan, user=request.user, data=form.cleaned_data, revision=revision, request=request)

    if save_unless_stale(guard, form, save, reread):
        messages.success(request, "Planen er lagret.")
        return redirect(plan)
    return render(
        request,
        "development_plans/form.html",
        {"plan": plan, "form": form, "guard": guard, "title": "Behov, muligheter og hovedmål"},
    )


def _transition(
    request: AuthenticatedRequest,
    pk: int,
    need: Need,
    service: Callable[..., object],
    success: str,
    **kwargs: Any,
) -> HttpResponse:
    plan = get_plan_for_user(request.user, pk, need=need)
    try:
        service(plan=plan, user=request.user, request=request, **kwargs)
    except services.PlanStateError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return redirect(plan)


@login_required
@require_POST
def plan_share(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _transition(request, pk, "can_edit", services.plan_share, "Planen er delt med veilederen.")


@login_required
@require_POST
def plan_approve(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    # The form carries a digest of the content the owner read; a form without one (an old page) is refused
    # like a changed plan, so an approval always covers what was on the owner's screen.
    return _transition(
        request,
        pk,
        "can_approve",
        services.plan_approve,
        "Du har godkjent planen.",
        content_token=request.POST.get("content_token", ""),
    )


@login_required
@require_POST
def comment_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, pk, need="can_comment")
    form = CommentForm(request.POST)
    if form.is_valid():
        services.comment_add(plan=plan, user=request.user, text=form.cleaned_data["text"], request=request)
        messages.success(request, "Kommentaren er lagt inn.")
        return redirect(f"{plan.get_absolute_url()}#kommentarer")
    context = {"plan": plan, "group": plan.group, "access": plan.access, "comment_form": form, **plan_page_data(plan)}
    return render(request, "development_plans/plan_detail.html", context)


@login_required
def goal_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, pk, need="can_edit")
    form = GoalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        goal = services.goal_create(plan=plan, user=request.user, data=form.cleaned_data, request=request)
        messages.success(request, "Målet er lagt til.")
        return redirect(f"{plan.get_absolute_url()}#mal-{goal.pk}")
    return render(request, "development_plans/form.html", {"plan": plan, "form": form, "title": "Nytt mål"})


@login_required
def goal_edit(request: AuthenticatedRequest, pk: int, goal_pk: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, pk, need="can_edit")
    goal = get_goal(plan, goal_pk)
    form = GoalForm(request.POST or None, instance=goal)
    guard = EditGuard(request.POST or None, row=goal, values=form_values(form))

    def reread() -> tuple[Goal, dict[str, Shown]]:
        now = Goal.objects.select_related("revised_by").get(pk=goal.pk)
        return now, form_values(GoalForm(instance=now))

    def save(revision: int | None) -> None:
        services.goal_update(goal=goal, user=request.user, data=form.cleaned_data, revision=revision, request=request)

    if save_unless_stale(guard, form, save, reread):
        messages.success(request, "Målet er lagret.")
        return redirect(f"{plan.get_absolute_url()}#mal-{goal.pk}")
    return render(
        request,
        "development_plans/form.html",
        {
            "plan": plan,
            "form": form,
            "guard": guard,
            "title": "Endre mål",
            "delete_url": reverse("development_plans:goal_delete", args=[plan.pk, goal.pk]),
            "delete_label": "Slett målet",
            "delete_warning": "Sletter du målet, slettes også tiltakene under det.",
        },
    )


@login_required
@require_POST
def goal_delete(request: AuthenticatedRequest, pk: int, goal_pk: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, pk, need="can_edit")
    services.goal_delete(goal=get_goal(plan, goal_pk), user=request.user, request=request)
    messages.success(request, "Målet og tiltakene under det er slettet.")
    return redirect(plan)


@login_required
@require_POST
def goal_move(request: AuthenticatedRequest, pk: int, goal_pk: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, pk, need="can_edit")
    goal = get_goal(plan, goal_pk)
    services.goal_move(goal=goal, user=request.user, direction=_direction(request), request=request)
    return redirect(f"{plan.get_absolute_url()}#mal-{goal.pk}")


@login_required
def measure_add(request: AuthenticatedRequest, pk: int, goal_pk: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, pk, need="can_edit")
    goal = get_goal(plan, goal_pk)
    form = MeasureForm(request.POST or None, group=plan.group)
    if request.method == "POST" and form.is_valid():
        try:
            measure = services.measure_create(goal=goal, user=request.user, data=form.cleaned_data, request=request)
        except ValidationError as error:
            # A document taken down after the form was checked.
            form.add_error(None, error)
        else:
            messages.success(request, "Tiltaket er lagt til.")
            return redirect(f"{plan.get_absolute_url()}#tiltak-{measure.pk}")
    return render(
        request,
        "development_plans/form.html",
        {"plan": plan, "form": form, "title": "Nytt tiltak", "goal": goal},
    )


@login_required
def measure_edit(request: AuthenticatedRequest, pk: int, measure_pk: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, pk, need="can_edit")
    measure = get_measure(plan, measure_pk)
    form = MeasureForm(request.POST or None, instance=measure, group=plan.group)
    guard = EditGuard(request.POST or None, row=measure, values=form_values(form))

    def reread() -> tuple[Measure, dict[str, Shown]]:
        now = Measure.objects.select_related("revised_by").get(pk=measure.pk)
        return now, form_values(MeasureForm(instance=now, group=plan.group))

    def save(revision: int | None) -> None:
        services.measure_update(
            measure=measure, user=request.user, data=form.cleaned_data, revision=revision, request=request
        )

    try:
        saved = save_unless_stale(guard, form, save, reread)
    except ValidationError as error:
        # A document taken down after the form was checked.
        form.add_error(None, error)
        saved = False
    if saved:
        messages.success(request, "Tiltaket er lagret.")
        return redirect(f"{plan.get_absolute_url()}#tiltak-{measure.pk}")
    return render(
        request,
        "development_plans/form.html",
        {
            "plan": plan,
            "form": form,
            "guard": guard,
            "title": "Endre tiltak",
            "goal": measure.goal,
            "delete_url": reverse("development_plans:measure_delete", args=[plan.pk, measure.pk]),
            "delete_label": "Slett tiltaket",
            "delete_warning": "Et tiltak som ikke blir gjennomført, kan også settes til «Avbrutt» med en begrunnelse.",
        },
    )


@login_required
@require_POST
def measure_delete(request: AuthenticatedRequest, pk: int, measure_pk: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, pk, need="can_edit")
    services.measure_delete(measure=get_measure(plan, measure_pk), user=request.user, request=request)
    messages.success(request, "Tiltaket er slettet.")
    return redirect(plan)


@login_required
@require_POST
def measure_move(request: AuthenticatedRequest, pk: int, measure_pk: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, pk, need="can_edit")
    measure = get_measure(plan, measure_pk)
    services.measure_move(measure=measure, user=request.user, direction=_direction(request), request=request)
    return redirect(f"{plan.get_absolute_url()}#tiltak-{measure.pk}")


@login_required
def progress(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, pk)
    return render(request, "development_plans/progress.html", {"plan": plan, **progress_data(plan)})


@login_required
def plan_pdf(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, pk)
    content, goals = snapshot_for_display(plan_snapshot(plan))
    context = {"plan": plan, "group": plan.group, "content": content, "goals": goals}
    # The approved plan is one of the documents a municipality files: PDF/A.
    pdf = render_pdf("development_plans/pdf.html", context, pdf_variant=PDF_ARCHIVE)
    services.plan_exported(plan=plan, user=request.user, request=request)
    group = plan.group
    filename = download_name(
        "utviklingsplan", group.display_name, group.portfolio.name, f"v{plan.version}", extension="pdf"
    )
    return attachment(pdf, content_type="application/pdf", filename=filename)


@login_required
def change_log(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, pk)
    return render(request, "development_plans/change_log.html", {"plan": plan, "entries": change_log_entries(plan)})


@login_required
def version_detail(request: AuthenticatedRequest, pk: int, number: int) -> HttpResponse:
    plan = get_plan_for_user(request.user, pk, need="can_read_approved")
    version = get_version(plan, number)
    content, goals = snapshot_for_display(version.snapshot)
    return render(
        request,
        "development_plans/version_detail.html",
        {"plan": plan, "version": version, "content": content, "goals": goals},
    )


@login_required
def portfolio_overview(request: AuthenticatedRequest, portfolio_pk: int) -> HttpResponse:
    """The programme leader's view of every group's plan in a portfolio."""
    portfolio = get_portfolio_for_programme_leader(request.user, portfolio_pk)
    return render(
        request,
        "development_plans/portfolio_overview.html",
        {"portfolio": portfolio, **portfolio_plan_overview(portfolio)},
    )
