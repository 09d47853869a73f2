"""The programme leader's review of applications and the decision (issue 15, part 2), under /soknader/.

Only the programme leader sees applications; an adviser sees those shared with them for comment and nothing
else. Everyone else, and anything outside a person's reach, gets a 404 (logged by the middleware)."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.access import AccessRefused, AuthenticatedRequest, require_programme_leader
from municipalities.models import joined_names

from . import review_services as services
from .letters import DECISIONS, PLACEHOLDERS, letter_draft, letter_for
from .models import Application, ApplicationShare, Call, ReviewNote
from .review_forms import (
    ApplicationFilterForm,
    CommentForm,
    CriteriaForm,
    DecisionChoiceForm,
    LetterForm,
    NoteForm,
    ShareForm,
    county_dialogue_asked,
)
from .review_selectors import DEFAULT_SORT, ApplicationFilters, application_rows, get_application_for_user, sort_key

# The list's columns: (sort key, header). Every column sorts.
COLUMNS = [
    ("kommune", "Kommuner"),
    ("fylke", "Fylke"),
    ("utlysning", "Utlysning"),
    ("status", "Status"),
    ("sendt", "Sendt inn"),
    ("kriterier", "Kriterier oppfylt"),
    ("notater", "Notater"),
]


def _filters(form: ApplicationFilterForm) -> ApplicationFilters:
    """The valid filters of the form; a filter with an error is left out (the form shows the error)."""
    form.is_valid()
    data = {name: value for name, value in getattr(form, "cleaned_data", {}).items() if name not in form.errors}
    return {
        "call": data.get("call"),
        "programme": data.get("programme"),
        "county": data.get("county"),
        "status": data.get("status") or "",
    }


def _headers(request: AuthenticatedRequest, sort: str) -> list[dict[str, Any]]:
    column, descending = sort_key(sort)
    headers = []
    for key, label in COLUMNS:
        query = request.GET.copy()
        query.pop("side", None)  # a new order starts from its first page
        query["sort"] = f"-{key}" if key == column and not descending else key
        headers.append(
            {
                "label": label,
                "url": f"?{query.urlencode()}",
                "aria_sort": ("descending" if descending else "ascending") if key == column else "",
            }
        )
    return headers


@login_required
def application_list(request: AuthenticatedRequest) -> HttpResponse:
    """The applications, filtered by call, programme, county and status and sorted by any column, with the
    count per status, PAGE_SIZE to a page. The leader's lists every application sent in, from the newest
    call unless another (or «Alle utlysninger») is chosen; an adviser's those shared with them.

    Queries, whatever the number of applications: session, user, second-factor device, staff roles, (the
    newest call, when none is chosen,) the counts per status, the number of rows, the page's applications
    with their counts and their municipalities, and the filter's calls, programmes and counties to render
    the lists (and the chosen ones when filtering)."""
    user = request.user
    if not (user.is_programme_leader or user.is_adviser):
        raise AccessRefused()
    data = request.GET.copy()
    if user.is_programme_leader and "call" not in data:
        # The newest call by default, so that the list does not load every year's applications; the
        # filter shows it chosen, and «Alle utlysninger» (call=) lists all of them, a page at a time.
        calls = Call.objects.all()
        programme = data.get("programme", "")
        if programme.isdigit():
            calls = calls.filter(portfolio__programme=int(programme))
        newest = calls.order_by("-opens_at", "-pk").values_list("pk", flat=True).first()
        if newest is not None:
            data["call"] = str(newest)
    form = ApplicationFilterForm(data or None)
    sort = request.GET.get("sort") or DEFAULT_SORT
    filters = _filters(form)
    page, counts = application_rows(user, filters, sort, request.GET.get("side"))
    status_counts = [
        (value, label, counts.get(value, 0)) for value, label in Application.Status.choices if counts.get(value)
    ]
    query = data.copy()
    query.pop("side", None)
    return render(
        request,
        "applications/review/list.html",
        {
            "form": form,
            "page": page,
            "rows": page.object_list,
            "matching": page.paginator.count,
            "query": query.urlencode(),
            "status_counts": status_counts,
            "total": sum(counts.values()),
            "headers": _headers(request, sort),
            "is_leader": user.is_programme_leader,
        },
    )


def _detail(request: AuthenticatedRequest, application: Application, **forms_: forms.Form) -> HttpResponse:
    """The application's page, with the forms the person may use; a form given in `forms_` (bound, with its
    errors) replaces its empty one, so that what was typed stays."""
    user = request.user
    is_leader = user.is_programme_leader
    reviewable = application.status in services.REVIEWABLE
    context: dict[str, Any] = {
        "application": application,
        "title": application_title(application),
        "call": application.call,
        "portfolio": application.call.portfolio,
        "municipalities": [link.municipality for link in application.application_municipalities.all()],
        "contacts": list(application.contacts.all()),
        "answers": list(application.answers.all()),
        "checks": {c.criterion_id: c for c in application.criterion_checks.all()},
        "notes": [n for n in application.review_notes.all() if n.kind != ReviewNote.Kind.ADVISER_COMMENT],
        "comments": [n for n in application.review_notes.all() if n.kind == ReviewNote.Kind.ADVISER_COMMENT],
        "shares": list(application.shares.all()),
        "is_leader": is_leader,
        "reviewable": reviewable,
        "decidable": is_leader and application.status in services.DECIDABLE,
        "county_dialogue": county_dialogue_asked(application),
    }
    if is_leader and reviewable:
        context["criteria_form"] = forms_.get("criteria_form") or CriteriaForm(application=application)
        context["note_form"] = forms_.get("note_form") or NoteForm(application=application)
        context["share_form"] = forms_.get("share_form") or ShareForm(application=application)
    elif not is_leader and reviewable:
        context["comment_form"] = forms_.get("comment_form") or CommentForm()
    return render(request, "applications/review/detail.html", context)


@login_required
def application_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """An application with all its answers, municipalities (non-members flagged) and contacts, and its review:
    the criteria, the notes and the dialogue with the county (the leader's), the shares and the comments."""
    return _detail(request, get_application_for_user(request.user, pk))


def _leaders_application(request: AuthenticatedRequest, pk: int, *, reviewable: bool = True) -> Application:
    require_programme_leader(request.user, "applications.application", pk)
    application = get_application_for_user(request.user, pk)
    if reviewable and application.status not in services.REVIEWABLE:
        # One withdrawn: nothing to review (a draft is not found at all).
        raise AccessRefused("applications.application", pk)
    return application


@login_required
@require_POST
def criteria_save(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    application = _leaders_application(request, pk)
    form = CriteriaForm(request.POST, application=application)
    if not form.is_valid():
        return _detail(request, application, criteria_form=form)
    services.criteria_check(
        application=application, met=set(form.cleaned_data["met"]), checked_by=request.user, request=request
    )
    messages.success(request, "Vurderingen av kriteriene er lagret.")
    return redirect(f"{application_url(application)}#kriterier")


@login_required
@require_POST
def note_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    application = _leaders_application(request, pk)
    form = NoteForm(request.POST, application=application)
    if not form.is_valid():
        return _detail(request, application, note_form=form)
    services.review_note_add(
        application=application,
        kind=form.cleaned_data["kind"],
        text=form.cleaned_data["text"],
        author=request.user,
        request=request,
    )
    messages.success(request, "Notatet er lagret.")
    return redirect(f"{application_url(application)}#notater")


@login_required
@require_POST
def comment_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """An adviser's comment on an application shared with them (the leader writes notes instead)."""
    application = get_application_for_user(request.user, pk)
    if request.user.is_programme_leader or application.status not in services.REVIEWABLE:
        raise AccessRefused("applications.application", pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _detail(request, application, comment_form=form)
    services.review_note_add(
        application=application,
        kind=ReviewNote.Kind.ADVISER_COMMENT,
        text=form.cleaned_data["text"],
        author=request.user,
        request=request,
    )
    messages.success(request, "Kommentaren er lagret. Programlederen ser den på søknaden.")
    return redirect(f"{application_url(application)}#kommentarer")


@login_required
@require_POST
def share_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    application = _leaders_application(request, pk)
    form = ShareForm(request.POST, application=application)
    if not form.is_valid():
        return _detail(request, application, share_form=form)
    adviser = form.cleaned_data["adviser"]
    services.application_share(application=application, adviser=adviser, shared_by=request.user, request=request)
    messages.success(request, f"Søknaden er delt med {adviser.full_name}, som har fått beskjed på e-post.")
    return redirect(f"{application_url(application)}#deling")


@login_required
@require_POST
def share_remove(request: AuthenticatedRequest, pk: int, share_pk: int) -> HttpResponse:
    application = _leaders_application(request, pk, reviewable=False)
    share = ApplicationShare.objects.select_related("adviser").filter(pk=share_pk, application=application).first()
    if share is None:
        raise AccessRefused("applications.applicationshare", share_pk)
    services.application_unshare(share=share, removed_by=request.user, request=request)
    messages.success(request, f"{share.adviser.full_name} ser ikke lenger søknaden.")
    return redirect(f"{application_url(application)}#deling")


def application_title(application: Application) -> str:
    """«Søknad fra Fauske og Saltdal», from the prefetched municipalities (the model's str asks again)."""
    names = [link.municipality.name for link in application.application_municipalities.all()]
    return f"Søknad fra {joined_names(names) if names else application.applicant_name}"


def application_url(application: Application) -> str:
    return reverse("application_review:detail", kwargs={"pk": application.pk})


@login_required
def decision(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The decision in two steps: choose it (GET ?vedtak=), then read and edit its letter, see who gets it
    and, for an admission, the group it makes; «Forhåndsvis» shows the letter as sent, «Send vedtaket»
    decides and sends. Works without JavaScript."""
    application = _leaders_application(request, pk)
    if application.status not in services.DECIDABLE:
        messages.info(request, "Søknaden er allerede avgjort.")
        return redirect(application_url(application))
    choice = DecisionChoiceForm(request.POST or request.GET or None)
    if not choice.is_bound or not choice.is_valid():
        return render(request, "applications/review/decision_choose.html", _decision_context(application, choice))
    chosen = choice.cleaned_data["vedtak"]
    if request.method == "POST":
        form = LetterForm(request.POST)
        if form.is_valid() and "send" in request.POST:
            try:
                outcome = services.application_decide(
                    application=application,
                    decision=chosen,
                    letter_text=form.cleaned_data["letter"],
                    decided_by=request.user,
                    request=request,
                )
            except services.DecisionRefused as refused:
                for message in refused.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _sent_message(outcome))
                if outcome.group is not None:
                    return redirect(outcome.group.get_absolute_url())
                return redirect(application_url(application))
    else:
        form = LetterForm(initial={"letter": letter_draft(application, chosen)})
    return render(
        request, "applications/review/decision_letter.html", _letter_context(application, choice, chosen, form)
    )


def _sent_message(outcome: services.Decision) -> str:
    count = len(outcome.recipients)
    sent = f"Brevet er lagt i utboksen til {count} mottaker{'e' if count != 1 else ''}."
    if outcome.group is not None:
        return f"Søknaden er innvilget, og kommunegruppen {outcome.group.display_name} er opprettet. {sent}"
    return f"Vedtaket «{outcome.application.get_status_display()}» er lagret. {sent}"


def _decision_context(application: Application, choice: DecisionChoiceForm) -> dict[str, Any]:
    return {
        "application": application,
        "title": application_title(application),
        "call": application.call,
        "portfolio": application.call.portfolio,
        "municipalities": [link.municipality for link in application.application_municipalities.all()],
        "choice": choice,
    }


def _letter_context(
    application: Application, choice: DecisionChoiceForm, chosen: str, form: LetterForm
) -> dict[str, Any]:
    text = form.cleaned_data["letter"] if form.is_bound and form.is_valid() else form.initial.get("letter", "")
    if form.is_bound and not form.is_valid():
        text = form.data.get("letter", "")
    context = _decision_context(application, choice)
    context |= {
        "chosen": chosen,
        "chosen_label": DECISIONS[Application.Status(chosen)],
        "form": form,
        "preview": letter_for(application, chosen, text),
        "recipients": services.letter_recipients(application),
        "placeholders": PLACEHOLDERS,
    }
    if chosen == Application.Status.ADMITTED:
        context["admission"] = services.admission_plan(application)
    return context
