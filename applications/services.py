"""Writes for the public side of applications (issue 15): starting one, confirming the e-mail address,
saving the draft, sending it in once, withdrawing it, the PDF and receipt, and deleting what is kept no
longer."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.services import audit_log, client_ip
from core.background import send_soon
from core.concurrency import StaleEdit, lock_for_edit, mark_revised
from core.downloads import download_name
from core.mail import about_key, build_mail, delete_mails_about, queue_mail, queue_mails, site_url
from core.pdf import render_pdf
from core.pdf_jobs import job_failed, job_made, jobs_render_due
from core.storage import private_storage
from municipalities.models import Municipality
from portfolios.models import Portfolio

from .models import (
    Application,
    ApplicationAnswer,
    ApplicationMunicipality,
    ApplicationPdf,
    Call,
    CallQuestion,
    Contact,
    StartRequest,
)
from .selectors import (
    RECEIPT_MAIL,
    Missing,
    application_missing,
    expired_applications,
    get_application_by_token,
    get_application_with_pages,
    is_fremtidens,
    municipality_obstacles,
    receipt_queued,
)

logger = logging.getLogger(__name__)

PDF_TASK = "applications.render_pdfs"
PDF_TEMPLATE = "applications/application_pdf.html"


class ApplicationError(Exception):
    """An action the application's state refuses; the message is for the applicant, in Norwegian."""

    def __init__(self, message: str, problems: list[Missing] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []


CLOSED = "Søknadsfristen har gått ut, og søknaden kan ikke lenger sendes inn eller endres."
ALREADY_SUBMITTED = "Søknaden er allerede sendt inn. Den kan ikke sendes inn på nytt eller endres."


@dataclass(frozen=True)
class ContactRow:
    name: str
    role: str
    municipality: Municipality | None
    email: str
    phone: str


@dataclass(frozen=True)
class Draft:
    """Everything the form saves: what the applicant typed, the municipalities resolved."""

    municipalities: list[Municipality]
    contacts: list[ContactRow]
    needs: str
    motivation: str
    rammeplan: str
    mapping: str
    county_development_area: str
    answers: dict[int, str]  # CallQuestion pk → text


def start_throttled(*, email: str, ip: str | None) -> Literal["address", "ip", None]:
    """Which limit a new start for `email` from `ip` would exceed, like accounts' «Glemt passord»: "address"
    (APPLICATION_START_LIMIT_PER_ADDRESS within APPLICATION_START_WINDOW_MINUTES), "ip", or None."""
    since = timezone.now() - timedelta(minutes=settings.APPLICATION_START_WINDOW_MINUTES)
    recent = StartRequest.objects.filter(requested_at__gte=since)
    if recent.filter(email=email).count() >= settings.APPLICATION_START_LIMIT_PER_ADDRESS:
        return "address"
    if ip and recent.filter(ip_address=ip).count() >= settings.APPLICATION_START_LIMIT_PER_IP:
        return "ip"
    return None


def application_start(*, call: Call, name: str, email: str, request: HttpRequest) -> bool:
    """Starts an application to `call` for the person `name` at `email`, and e-mails them the personal link
    that confirms the address and opens the draft. Someone who has already started one to the call with that
    address gets its link again instead, so that a lost e-mail costs nothing and nobody learns from the page
    whether an application exists. Returns False, changing nothing but the log, when the address or the IP
    address has asked too often (start_throttled).

    Precondition: the call is open."""
    email = email.strip().lower()
    ip = client_ip(request)
    limit = start_throttled(email=email, ip=ip)
    if limit is not None:
        audit_log(action="application.start_throttled", request=request, obj=call, payload={"limit": limit})
        return False
    with transaction.atomic():
        StartRequest.objects.create(email=email, ip_address=ip)
        application = (
            Application.objects.filter(call=call, applicant_email=email)
            .exclude(status=Application.Status.WITHDRAWN)
            .order_by("-created_at")
            .first()
        )
        again = application is not None
        if application is None:
            application = Application(call=call, applicant_name=name.strip(), applicant_email=email)
            application.set_token()
            application.save()
        queue_mail(
            to=email,
            template="applications/email/link",
            context={
                "call": call,
                "application": application,
                "again": again,
                "link": site_url(_personal_path(application)),
            },
            about=about_key(application),
        )
        if again:
            audit_log(action="application.link_sent_again", request=request, obj=application)
        else:
            audit_log(action="application.started", request=request, obj=application)
    return True


def _personal_path(application: Application) -> str:
    return reverse("applications:edit", kwargs={"token": application.token})


def application_confirm(*, application: Application, request: HttpRequest | None = None) -> bool:
    """Confirms the applicant's e-mail address: the link was opened, so the address is theirs. Returns
    whether this call confirmed it (a second visit, or two at once, confirm once)."""
    if application.status != Application.Status.UNCONFIRMED:
        return False  # confirmed before: no write on every visit
    now = timezone.now()
    confirmed = Application.objects.filter(pk=application.pk, status=Application.Status.UNCONFIRMED).update(
        status=Application.Status.DRAFT, confirmed_at=now
    )
    if confirmed:
        application.status = Application.Status.DRAFT
        application.confirmed_at = now
        audit_log(action="application.confirmed", request=request, obj=application)
    return bool(confirmed)


def _lock_editable(application: Application, *, revision: int | None = None) -> Application:
    """The application locked for a write, if it may still be changed; ApplicationError if not, before
    StaleEdit if `revision` (the one the form was opened at) is no longer the draft's: a draft sent in from
    another tab is told as such, not as a conflict the applicant cannot resolve."""
    locked = lock_for_edit(Application.objects.select_related("call"), pk=application.pk, revision=None)
    if locked.submitted_at is not None or not locked.is_editable:
        raise ApplicationError(ALREADY_SUBMITTED if locked.submitted_at else "Søknaden kan ikke lenger endres.")
    if locked.call.has_closed:
        raise ApplicationError(CLOSED)
    if revision is not None and locked.revision != revision:
        raise StaleEdit(f"application {locked.pk}: revision {locked.revision}, the form's {revision}")
    return locked


def _saved_draft(application: Application) -> tuple[object, ...]:
    """What the draft form shows of `application` as saved, in the terms of a Draft, to tell whether a save
    changes anything."""
    return (
        application.needs,
        application.motivation,
        application.rammeplan,
        application.mapping,
        application.county_development_area,
        list(application.application_municipalities.order_by("order").values_list("municipality_id", flat=True)),
        [(c.name, c.role, c.municipality_id, c.email, c.phone) for c in application.contacts.order_by("order", "pk")],
        dict(application.answers.values_list("question_id", "text")),
    )


def application_save(*, application: Application, draft: Draft, revision: int | None = None) -> None:
    """Saves the draft as the applicant left it: municipalities, contacts and answers replace what was
    saved. Raises ApplicationError once the application is sent in or the call has closed, and StaleEdit
    (changing nothing) when `revision`, the one the form was opened at, is no longer the draft's: someone
    with the link saved meanwhile (core.concurrency). A save that changes something raises the revision;
    an unchanged one leaves it, so that the applicant's other tab is not refused over nothing.

    Precondition: the e-mail address is confirmed (the personal link was opened)."""
    with transaction.atomic():
        locked = _lock_editable(application, revision=revision)
        before = _saved_draft(locked)
        call = locked.call
        locked.needs = draft.needs
        locked.motivation = draft.motivation
        locked.rammeplan = draft.rammeplan
        fremtidens = is_fremtidens(call)
        locked.mapping = draft.mapping if fremtidens else ""
        locked.county_development_area = draft.county_development_area if fremtidens else ""
        locked.saved_at = timezone.now()
        locked.save(
            update_fields=["needs", "motivation", "rammeplan", "mapping", "county_development_area", "saved_at"]
        )
        ApplicationMunicipality.objects.filter(application=locked).delete()
        ApplicationMunicipality.objects.bulk_create(
            ApplicationMunicipality(application=locked, municipality=m, order=i)
            for i, m in enumerate(draft.municipalities)
        )
        only = draft.municipalities[0] if len(draft.municipalities) == 1 else None
        Contact.objects.filter(application=locked).delete()
        Contact.objects.bulk_create(
            Contact(
                application=locked,
                order=i,
                name=row.name,
                role=row.role,
                # With one municipality, everyone represents it; with several, the applicant said which.
                municipality=only or row.municipality,
                email=row.email,
                phone=row.phone,
            )
            for i, row in enumerate(draft.contacts)
        )
        questions = set(CallQuestion.objects.filter(call=call).values_list("pk", flat=True))
        ApplicationAnswer.objects.filter(application=locked).delete()
        ApplicationAnswer.objects.bulk_create(
            ApplicationAnswer(application=locked, question_id=pk, text=text)
            for pk, text in draft.answers.items()
            if pk in questions and text.strip()
        )
        if _saved_draft(locked) != before:
            locked.save(update_fields=mark_revised(locked, user=None))
            application.revision = locked.revision


def application_submit(*, application: Application, request: HttpRequest | None = None) -> None:
    """Sends the saved application in, once: checks that it is complete and that none of its municipalities
    is taken (selectors.municipality_obstacles), then asks the worker for its PDF and the receipt. Raises
    ApplicationError, with the problems, otherwise.

    The portfolio's row is locked first, so that two applications naming one municipality, sent in at once
    (to one call of the portfolio or to two), are judged one after the other: the second sees the first."""
    with transaction.atomic():
        Portfolio.objects.select_for_update().filter(calls=application.call_id).get()
        _lock_editable(application)
        if application.status != Application.Status.DRAFT:
            raise ApplicationError("Bekreft e-postadressen din med lenken i e-posten før du sender inn.")
        fresh = get_application_by_token(application.token)
        assert fresh is not None
        problems = application_missing(fresh)
        obstacles = municipality_obstacles(call=fresh.call, municipalities=fresh.municipality_list(), application=fresh)
        problems += [Missing("", text) for text in obstacles.values()]
        if problems:
            raise ApplicationError("Søknaden kan ikke sendes inn ennå.", problems)
        now = timezone.now()
        Application.objects.filter(pk=application.pk).update(status=Application.Status.SUBMITTED, submitted_at=now)
        application.status = Application.Status.SUBMITTED
        application.submitted_at = now
        ApplicationPdf.objects.update_or_create(application=application, defaults={"requested_at": now})
        send_soon(PDF_TASK)
        audit_log(action="application.submitted", request=request, obj=application)


def application_withdraw(*, application: Application, request: HttpRequest | None = None) -> None:
    """Withdraws the application at the applicant's wish; it is deleted after the call's retention period
    (applications_delete_expired). Raises ApplicationError once admitted or declined."""
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if not locked.can_withdraw:
            raise ApplicationError("Søknaden er avgjort og kan ikke trekkes her. Ta kontakt med oss.")
        locked.status = Application.Status.WITHDRAWN
        locked.withdrawn_at = timezone.now()
        locked.save(update_fields=["status", "withdrawn_at"])
        application.status, application.withdrawn_at = locked.status, locked.withdrawn_at
        audit_log(action="application.withdrawn", request=request, obj=locked)


def application_pdfs_render_due(*, limit: int | None = None) -> int:
    """The background job: makes the PDF of each application sent in and e-mails the receipt with it, as
    core.pdf_jobs claims them. A PDF that cannot be made is logged, and the receipt goes without it: the
    applicant must hear that the application arrived. Returns how many were tried."""
    return jobs_render_due(ApplicationPdf.objects.select_related("application__call"), _render, limit=limit)


def _render(job: ApplicationPdf) -> None:
    # Anything that fails here is recorded on the job (job_failed), in a savepoint, so that the claim's transaction
    # commits and the next job is claimed: a job left requested would be the oldest, claimed first every run.
    try:
        with transaction.atomic():
            _render_and_send(job)
    except Exception as error:
        job_failed(job, error)


def _render_and_send(job: ApplicationPdf) -> None:
    # By primary key: the token is rebuilt from the secret key, which may have changed since it was sent in.
    application = get_application_with_pages(job.application_id)
    context = receipt_context(application)
    attachments = []
    try:
        with transaction.atomic():
            content = render_pdf(PDF_TEMPLATE, context)
            job_made(job, content, name=f"applications/{application.call_id}")
        attachments.append((pdf_filename(application), content, "application/pdf"))
    except Exception as error:
        job_failed(job, error)
    if receipt_queued(application):
        return  # «Prøv igjen» after a receipt that went without the PDF: the applicant downloads it from the page
    queue_mails(
        [
            build_mail(
                to=application.applicant_email,
                template=RECEIPT_MAIL,
                context={**context, "with_pdf": bool(attachments)},
                attachments=attachments,
                about=about_key(application),
            )
        ]
    )


def application_pdfs_retry(*, pdfs: QuerySet[ApplicationPdf], actor: User, request: HttpRequest | None = None) -> int:
    """«Prøv igjen»: asks the worker again for the PDFs among `pdfs` whose render failed; the receipt goes
    with it if it has not gone yet. Returns how many were asked for."""
    with transaction.atomic():
        # By primary key: the admin's queryset may carry joins, which FOR UPDATE does not take.
        failed = list(
            ApplicationPdf.objects.select_for_update(of=("self",))
            .filter(pk__in=pdfs.values("pk"), failed_at__isnull=False, requested_at__isnull=True)
            .select_related("application")
        )
        now = timezone.now()
        for pdf in failed:
            pdf.requested_at, pdf.requested_by = now, actor
            pdf.save(update_fields=["requested_at", "requested_by"])
            audit_log(action="application.pdf_retried", actor=actor, obj=pdf.application, request=request)
        if failed:
            send_soon(PDF_TASK)
    return len(failed)


def receipt_context(application: Application) -> dict[str, object]:
    return {
        "application": application,
        "call": application.call,
        "municipalities": application.municipality_list(),
        "contacts": list(application.contacts.all()),
        "answers": list(application.answers.all()),
        "fremtidens": is_fremtidens(application.call),
        "link": site_url(_personal_path(application)),
    }


def pdf_filename(application: Application) -> str:
    names = "-".join(m.name for m in application.municipality_list()) or "soknad"
    return download_name("soknad", names, extension="pdf")


def applications_delete_expired(*, now: datetime | None = None) -> int:
    """Deletes the applications kept longer than their call allows (selectors.expired_applications), with
    their stored PDFs and their e-mails in the outbox (the link, the receipt with its answers and PDF, the
    letters), and the rate limits' rows older than their window. Returns how many applications were deleted."""
    now = now or timezone.now()
    deleted = 0
    for call in Call.objects.all():
        expired = expired_applications(call, now=now)
        paths = list(
            ApplicationPdf.objects.filter(application__in=expired).exclude(path="").values_list("path", flat=True)
        )
        with transaction.atomic():
            count = expired.count()
            if count:
                delete_mails_about(about_key(application) for application in expired.only("pk"))
                expired.delete()
                audit_log(action="application.deleted_expired", obj=call, payload={"count": count})
                deleted += count
        for path in paths:
            try:
                private_storage().delete(path)
            except Exception:  # the row is gone; a file left behind names nobody and is found by `walk`
                logger.warning("Could not delete the PDF %s of an expired application.", path, exc_info=True)
    window = timedelta(minutes=settings.APPLICATION_START_WINDOW_MINUTES)
    StartRequest.objects.filter(requested_at__lt=now - window).delete()
    return deleted
