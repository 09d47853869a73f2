"""The public side of applications (issue 15): no login anywhere. The open calls and the start form are for
anyone; everything else opens through the personal link, whose token is the key, whoever is logged in."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.access import AccessRefused
from accounts.services import audit_log
from core.concurrency import EMPTY_TEXT, EditGuard, Shown, StaleEdit, form_values
from core.downloads import attachment
from core.storage import read_verified

from .forms import ApplicationForm, BaseContactFormSet, StartForm, contact_formset
from .models import Application, Call, Contact, hash_token
from .selectors import (
    Missing,
    application_missing,
    get_application_by_token,
    is_fremtidens,
    municipality_lookup,
    non_members,
    open_calls,
    pdf_failed,
    receipt_queued,
)
from .services import (
    ALREADY_SUBMITTED,
    CLOSED,
    ApplicationError,
    Draft,
    application_confirm,
    application_save,
    application_start,
    application_submit,
    application_withdraw,
    pdf_filename,
)


def call_list(request: HttpRequest) -> HttpResponse:
    return render(request, "applications/call_list.html", {"calls": list(open_calls())})


def _call_or_404(pk: int) -> Call:
    """A call the public may see: opened already (one still being prepared is nobody's business)."""
    call = (
        Call.objects.select_related("portfolio__programme")
        .prefetch_related("criteria", "questions")
        .filter(pk=pk, opens_at__lte=timezone.now())
        .first()
    )
    if call is None:
        raise AccessRefused("applications.call", pk)
    return call


def call_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The call as applicants read it, with the form that starts an application."""
    call = _call_or_404(pk)
    form = StartForm(request.POST or None)
    if request.method == "POST" and call.is_open and form.is_valid():
        if form.cleaned_data["tilleggsinfo"]:
            # A robot: it is shown what a person is shown, and nothing is made or sent.
            audit_log(action="application.honeypot", request=request, obj=call)
            return redirect("applications:start_sent", pk=call.pk)
        if application_start(
            call=call, name=form.cleaned_data["name"], email=form.cleaned_data["email"], request=request
        ):
            return redirect("applications:start_sent", pk=call.pk)
        form.add_error(
            None,
            "Det er bedt om søknadslenker for mange ganger fra denne adressen. Vent en time, og prøv igjen. "
            "Sjekk også om e-posten med lenken har havnet i søppelpost.",
        )
    return render(
        request,
        "applications/call_detail.html",
        {"call": call, "form": form, "fremtidens": is_fremtidens(call)},
    )


def start_sent(request: HttpRequest, pk: int) -> HttpResponse:
    call = _call_or_404(pk)
    return render(request, "applications/start_sent.html", {"call": call})


def _without_token(request: HttpRequest, token: str) -> str:
    """The request's path with the personal link's token left out, for the audit log."""
    return request.path.replace(token, "…")


def _application_or_404(request: HttpRequest, token: str) -> Application:
    application = get_application_by_token(token)
    if application is None:
        # An old, mistyped or guessed link: audited with a prefix of the token's hash, never the token (the server
        # logs, error mails and Sentry write it as [token]: core.logs.TOKEN_PATH_PREFIXES).
        raise AccessRefused(
            "applications.application",
            hash_token(token)[:12],
            action="application.link_unknown",
            path=_without_token(request, token),
        )
    return application


def application_edit(request: HttpRequest, token: str) -> HttpResponseBase:
    """The applicant's own page: opening it confirms the e-mail address; then the draft to fill in, or, once
    sent in (or after the deadline), what was sent, read-only."""
    application = _application_or_404(request, token)
    application_confirm(application=application, request=request)
    call = application.call
    if application.status == Application.Status.WITHDRAWN:
        return render(request, "applications/application_withdrawn.html", {"application": application, "call": call})
    if not application.is_editable or call.has_closed:
        if request.method == "POST":
            messages.info(request, ALREADY_SUBMITTED if application.is_submitted else CLOSED)
            return redirect("applications:edit", token=token)
        return _read_only(request, application, token)

    form = ApplicationForm(request.POST or None, application=application)
    municipalities = application.municipality_list()
    if form.is_bound and form.is_valid():
        municipalities = form.resolved
    formset = contact_formset(request.POST or None, application=application, municipalities=municipalities)
    guard = EditGuard(request.POST or None, row=application, values=_draft_values(form, application))
    if request.method == "POST" and not guard.is_stale and form.is_valid() and formset.is_valid():
        draft = Draft(
            municipalities=form.resolved,
            contacts=formset.rows(),
            needs=form.cleaned_data["needs"],
            motivation=form.cleaned_data["motivation"],
            rammeplan=form.cleaned_data["rammeplan"],
            mapping=form.cleaned_data.get("mapping", ""),
            county_development_area=form.cleaned_data.get("county_development_area", ""),
            answers=form.answers(),
        )
        try:
            application_save(application=application, draft=draft, revision=guard.revision)
            if request.POST.get("action") == "submit":
                application_submit(application=application, request=request)
                messages.success(request, "Søknaden er sendt inn. Du får en kvittering på e-post.")
                return redirect("applications:edit", token=token)
        except StaleEdit:
            # Saved with the link between this request's read and its lock: the draft as it is now.
            now = _reloaded(token)
            guard.refuse(now, _draft_values(ApplicationForm(None, application=now), now))
        except ApplicationError as error:
            if not error.problems:
                messages.info(request, error.message)
                return redirect("applications:edit", token=token)
            # Saved, but not complete: the page again, with what is missing in the error summary.
            return _form_page(request, token, _reloaded(token), problems=error.problems)
        else:
            messages.success(request, "Utkastet er lagret. Du kan komme tilbake med lenken i e-posten.")
            return redirect("applications:edit", token=token)
    # A refused save shows the page again with what was typed, and what the other save changed.
    return _form_page(request, token, application, form=form, formset=formset, guard=guard)


def _draft_values(form: ApplicationForm, application: Application) -> dict[str, Shown]:
    """What the draft form shows of `application`, for its EditGuard: the answers field by field, and the
    municipalities and the contacts each as one list (a form posted with more boxes than it was opened
    with would otherwise count the new, empty boxes as changed)."""
    municipalities = application.municipality_list()
    contacts = list(application.contacts.all())
    boxes = set(form.municipality_fields)
    return {
        **{name: shown for name, shown in form_values(form).items() if name not in boxes},
        "municipalities": Shown(
            label="Kommuner",
            value=tuple(m.pk for m in municipalities),
            text=lambda: ", ".join(m.display_name for m in municipalities) or EMPTY_TEXT,
        ),
        "contacts": Shown(
            label="Kontaktpersoner",
            value=tuple((c.name, c.role, c.municipality_id, c.email, c.phone) for c in contacts),
            text=lambda: "\n".join(_contact_line(c) for c in contacts) or EMPTY_TEXT,
        ),
    }


def _contact_line(contact: Contact) -> str:
    parts = [contact.name, contact.get_role_display()]
    if contact.municipality is not None:
        parts.append(contact.municipality.display_name)
    parts += [part for part in (contact.email, contact.phone) if part]
    return ", ".join(parts)


def _reloaded(token: str) -> Application:
    application = get_application_by_token(token)
    assert application is not None
    return application


def _form_page(
    request: HttpRequest,
    token: str,
    application: Application,
    *,
    form: ApplicationForm | None = None,
    formset: BaseContactFormSet | None = None,
    problems: list[Missing] | None = None,
    guard: EditGuard | None = None,
) -> HttpResponse:
    if form is None:
        # After a refused submit: the saved draft as a bound form, with what it lacks on the fields it is
        # about, so that the error summary lists it with links.
        unbound = ApplicationForm(None, application=application)
        form = ApplicationForm(_as_data(unbound), application=application)
        form.is_valid()
        for problem in problems or []:
            form.add_error(problem.field if problem.field in form.fields else None, problem.message)
    if formset is None:
        formset = contact_formset(None, application=application, municipalities=application.municipality_list())
    if guard is None:
        # The draft as saved now: what the form carries is this revision.
        guard = EditGuard(
            None, row=application, values=_draft_values(ApplicationForm(None, application=application), application)
        )
    return render(
        request,
        "applications/application_form.html",
        {
            "application": application,
            "call": application.call,
            "token": token,
            "form": form,
            "formset": formset,
            "guard": guard,
            "fremtidens": is_fremtidens(application.call),
            "missing": application_missing(application),
            "non_members": non_members(application),
            "municipality_choices": municipality_lookup(),
        },
    )


def _as_data(form: ApplicationForm) -> dict[str, object]:
    """The form's initial values as posted data, so that errors can be shown on the saved draft."""
    return {name: form.initial.get(name, "") or "" for name in form.fields}


def _read_only(request: HttpRequest, application: Application, token: str) -> HttpResponse:
    pdf = getattr(application, "pdf", None)
    return render(
        request,
        "applications/application_view.html",
        {
            "application": application,
            "call": application.call,
            "token": token,
            "fremtidens": is_fremtidens(application.call),
            "municipalities": application.municipality_list(),
            "contacts": list(application.contacts.all()),
            "answers": list(application.answers.all()),
            "pdf_made": pdf is not None and pdf.is_made,
            "pdf_failed": pdf is not None and pdf_failed(pdf),
            "closed_draft": application.is_editable,
        },
    )


def application_withdraw_view(request: HttpRequest, token: str) -> HttpResponseBase:
    application = _application_or_404(request, token)
    if application.status == Application.Status.WITHDRAWN or not application.confirmed_at:
        return redirect("applications:edit", token=token)
    if request.method == "POST":
        try:
            application_withdraw(application=application, request=request)
        except ApplicationError as error:
            messages.info(request, error.message)
        return redirect("applications:edit", token=token)
    return render(
        request,
        "applications/application_withdraw.html",
        {"application": application, "call": application.call, "token": token},
    )


def application_pdf(request: HttpRequest, token: str) -> HttpResponseBase:
    """The stored PDF of what was sent in; it is made by the worker within a minute of submitting."""
    application = _application_or_404(request, token)
    if not application.is_submitted or application.status == Application.Status.WITHDRAWN:
        # A draft has no PDF yet, and a withdrawn application's is no longer handed out.
        raise AccessRefused("applications.application_pdf", application.pk, path=_without_token(request, token))
    pdf = getattr(application, "pdf", None)
    if pdf is None or not pdf.is_made:
        failed = pdf is not None and pdf_failed(pdf)
        return render(
            request,
            "applications/pdf_waiting.html",
            {
                "application": application,
                "call": application.call,
                "token": token,
                "failed": failed,
                "receipt_sent": failed and receipt_queued(application),
            },
        )
    content = read_verified(pdf.path, pdf.sha256)
    return attachment(content, content_type="application/pdf", filename=pdf_filename(application))
