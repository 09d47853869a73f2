"""Writes for surveys: building one from a specification, copying it to another portfolio, inviting the
portfolio's members, the e-mail rounds, saving and submitting answers, and coding the open answers."""

import json
import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from accounts.services import audit_log
from core import outbox
from core.background import send_soon
from core.mail import build_mail, site_url
from core.models import Email
from core.pdf import PDF_ARCHIVE, render_pdf
from core.pdf_jobs import job_failed, job_made, job_request, jobs_render_due
from municipalities.models import Membership
from portfolios.models import Portfolio

from .models import (
    Answer,
    Category,
    Delivery,
    Invitation,
    Item,
    Mailing,
    Page,
    Question,
    ReportPdf,
    Response,
    Survey,
    level_for_role,
)
from .reports import report_context

EVALUATION_SPEC = Path(__file__).resolve().parent / "data" / "evaluation_survey.json"
# The background job that makes the report's PDF (tasks.render_reports), queued by name so that the services
# never import the tasks.
REPORT_TASK = "surveys.render_reports"
REPORT_PDF_TEMPLATE = "surveys/report_pdf.html"
logger = logging.getLogger(__name__)

# The least time between two reminder rounds of one survey.
REMINDER_ROUND_GAP = timedelta(hours=1)


class SurveyError(Exception):
    """A step the survey's state does not allow; the message is for the user."""


# Building and copying


def evaluation_spec() -> dict[str, Any]:
    return json.loads(EVALUATION_SPEC.read_text(encoding="utf-8"))


@transaction.atomic
def survey_create_from_spec(
    *,
    portfolio: Portfolio,
    opens_at: datetime,
    closes_at: datetime,
    spec: Mapping[str, Any] | None = None,
    anonymous: bool = True,
) -> Survey:
    """A survey for `portfolio` from a specification (by default the evaluation survey in
    data/evaluation_survey.json): categories, pages, questions and their items."""
    spec = spec or evaluation_spec()
    survey = Survey.objects.create(
        portfolio=portfolio,
        title=spec["title"],
        introduction=spec.get("introduction", ""),
        opens_at=opens_at,
        closes_at=closes_at,
        anonymous=anonymous,
        roles=list(spec.get("roles", [])),
    )
    categories = {
        c["name"]: Category.objects.create(survey=survey, order=i, name=c["name"], description=c.get("description", ""))
        for i, c in enumerate(spec.get("categories", []), start=1)
    }
    for page_order, page_spec in enumerate(spec["pages"], start=1):
        page = Page.objects.create(
            survey=survey, order=page_order, title=page_spec["title"], introduction=page_spec.get("introduction", "")
        )
        for order, q in enumerate(page_spec["questions"], start=1):
            question = Question.objects.create(
                survey=survey,
                page=page,
                category=categories.get(q.get("category")),
                order=order,
                key=q["key"],
                kind=q["kind"],
                text=q["text"],
                help_text=q.get("help_text", ""),
                low_label=q.get("low_label", "I svært liten grad"),
                high_label=q.get("high_label", "I svært stor grad"),
                allow_not_applicable=q.get("not_applicable", False),
                elaborate=q.get("elaborate", False),
                required=q.get("required", False),
            )
            Item.objects.bulk_create(
                Item(question=question, order=i, label=label) for i, label in enumerate(q.get("items", []), start=1)
            )
    return survey


@transaction.atomic
def survey_copy(
    *, survey: Survey, portfolio: Portfolio, copied_by: User | None = None, request: HttpRequest | None = None
) -> Survey:
    """A copy of `survey` for `portfolio`: categories (without findings), pages, questions with their items,
    same question keys and a link to the question each was copied from, so results can be compared.
    The dates are kept; the programme leader sets the new ones in the admin."""
    copy = Survey.objects.create(
        portfolio=portfolio,
        title=survey.title,
        introduction=survey.introduction,
        opens_at=survey.opens_at,
        closes_at=survey.closes_at,
        anonymous=survey.anonymous,
        roles=list(survey.roles),
        copied_from=survey,
    )
    # Keyed by the optional category_id of the questions that look them up: no category gives None.
    categories: dict[int | None, Category] = {
        c.pk: Category.objects.create(survey=copy, order=c.order, name=c.name, description=c.description)
        for c in survey.categories.all()
    }
    pages = {
        p.pk: Page.objects.create(survey=copy, order=p.order, title=p.title, introduction=p.introduction)
        for p in survey.pages.all()
    }
    for question in survey.questions.prefetch_related("items"):
        new = Question.objects.create(
            survey=copy,
            page=pages[question.page_id],
            category=categories.get(question.category_id),
            order=question.order,
            key=question.key,
            kind=question.kind,
            text=question.text,
            help_text=question.help_text,
            low_label=question.low_label,
            high_label=question.high_label,
            allow_not_applicable=question.allow_not_applicable,
            elaborate=question.elaborate,
            required=question.required,
            copied_from=question,
        )
        Item.objects.bulk_create(Item(question=new, order=i.order, label=i.label) for i in question.items.all())
    audit_log(action="survey.copied", actor=copied_by, obj=copy, request=request, payload={"from": survey.pk})
    return copy


# Invitations and e-mail rounds


@transaction.atomic
def invitations_create(
    *, survey: Survey, user: User | None = None, request: HttpRequest | None = None, notify: bool = True
) -> int:
    """Invite every member of the portfolio's groups whose role the survey asks, and queue their e-mails
    (not with `notify=False`, which the demo uses). Safe to run again: members invited before are left
    alone, so members added later can be invited by running it once more. Returns the number of new
    invitations."""
    have = set(survey.invitations.values_list("user_id", "group_id"))
    # Current members only: someone who has left, or whose group ended early, is not asked.
    memberships = Membership.objects.current().filter(group__portfolio=survey.portfolio_id, role__in=survey.roles)
    new = []
    for membership in memberships:
        if (membership.user_id, membership.group_id) in have:
            continue
        invitation = Invitation(
            survey=survey,
            user_id=membership.user_id,
            group_id=membership.group_id,
            role=membership.role,
            level=level_for_role(membership.role),
        )
        invitation.set_token()
        new.append(invitation)
    Invitation.objects.bulk_create(new, ignore_conflicts=True)
    if new and notify:
        mailing = Mailing.objects.create(survey=survey, kind=Mailing.Kind.INVITATION, created_by=user)
        invited = survey.invitations.filter(token_hash__in=[i.token_hash for i in new])
        Delivery.objects.bulk_create([Delivery(mailing=mailing, invitation=i) for i in invited], ignore_conflicts=True)
        _queue_send()
    audit_log(action="survey.invited", actor=user, obj=survey, request=request, payload={"new": len(new)})
    return len(new)


@transaction.atomic
def reminder_round_start(*, survey: Survey, user: User | None = None, request: HttpRequest | None = None) -> int:
    """A reminder round: one e-mail to each invited person who has not submitted. Returns the number queued.
    Each round is its own mailing, and (mailing, invitation) is unique, so nobody gets a round twice."""
    if survey.has_closed():
        raise SurveyError("Undersøkelsen er stengt; det sendes ikke flere påminnelser.")
    # The survey's row lock makes a second start (a double click, two admins at once) wait for the first
    # and then see its round, so nobody gets two reminders back to back.
    Survey.objects.select_for_update().filter(pk=survey.pk).first()
    last = Mailing.objects.filter(survey=survey, kind=Mailing.Kind.REMINDER).order_by("-created_at").first()
    if last is not None and last.created_at > timezone.now() - REMINDER_ROUND_GAP:
        local = timezone.localtime(last.created_at)
        raise SurveyError(
            f"En påminnelsesrunde ble startet kl. {local:%H.%M}; vent minst en time før du starter en ny."
        )
    mailing = Mailing.objects.create(survey=survey, kind=Mailing.Kind.REMINDER, created_by=user)
    waiting = survey.invitations.filter(used_at__isnull=True)
    rows = Delivery.objects.bulk_create(
        [Delivery(mailing=mailing, invitation=i) for i in waiting], ignore_conflicts=True
    )
    _queue_send()
    audit_log(action="survey.reminder_round", actor=user, obj=survey, request=request, payload={"queued": len(rows)})
    return len(rows)


def _queue_send() -> None:
    send_soon("surveys.tasks.send_survey_mail")


def deliveries_hand_over(*, now: datetime | None = None) -> int:
    """Puts the e-mail of every queued survey delivery in the outbox, each once (core.outbox.hand_over), or
    records why it is no longer worth sending. Returns how many e-mails were queued."""
    return outbox.hand_over(Delivery.objects.all(), load=_load_claimed, build=_build, now=now)


def _load_claimed(deliveries: QuerySet[Delivery]) -> QuerySet[Delivery]:
    return deliveries.select_related(
        "mailing", "invitation__user", "invitation__survey__portfolio__programme", "invitation__response"
    )


def _skip_reason(delivery: Delivery) -> str:
    invitation = delivery.invitation
    if not invitation.user.is_active:
        return "Deltakeren er deaktivert."
    if invitation.survey.has_closed():
        return "Undersøkelsen var stengt."
    if delivery.mailing.kind == Mailing.Kind.REMINDER and invitation.used_at is not None:
        return "Har allerede svart."
    return ""


def _build(delivery: Delivery) -> Email | str:
    """The delivery's e-mail, unsaved; or why it is no longer worth sending (core.outbox.hand_over)."""
    invitation = delivery.invitation
    response: Response | None = getattr(invitation, "response", None)
    if reason := _skip_reason(delivery):
        return reason
    return build_mail(
        to=invitation.user.email,
        user=invitation.user,
        template=f"surveys/email/{delivery.mailing.kind}",
        context={
            "survey": invitation.survey,
            "recipient": invitation.user,
            "url": site_url(invitation.get_answer_url()),
            "started": response is not None,
            # An invitation may go out before the survey opens; the e-mail then says when it does.
            "now": timezone.now(),
        },
    )


# Answering


def response_for(invitation: Invitation) -> Response:
    """The invitation's response, started now if it has none (a draft until submitted). Raises SurveyError
    if the link was used: a submitted anonymous response is no longer the invitation's, and a new draft
    would be a second response."""
    if invitation.used_at is not None:
        raise SurveyError("Du har allerede svart på denne undersøkelsen.")
    response, _ = Response.objects.get_or_create(
        invitation=invitation, defaults={"survey_id": invitation.survey_id, "level": invitation.level}
    )
    return response


def _answers_from(question: Question, data: Mapping[str, Any]) -> list[Answer]:
    """Answer rows (unsaved) for one question from a page form's cleaned data."""
    name = f"q{question.pk}"
    rows: list[Answer] = []
    if question.kind == Question.Kind.SCALE:
        if data.get(name) not in (None, ""):
            rows.append(Answer(question=question, value=int(data[name])))
    elif question.kind == Question.Kind.MATRIX:
        for item in question.items.all():
            value = data.get(f"{name}_i{item.pk}")
            if value is not None and value != "":
                rows.append(Answer(question=question, item=item, value=int(value)))
    elif question.kind == Question.Kind.SINGLE:
        if data.get(name):
            rows.append(Answer(question=question, item_id=int(data[name])))
    elif question.kind == Question.Kind.MULTIPLE:
        rows.extend(Answer(question=question, item_id=int(pk)) for pk in data.get(name) or [])
    elif question.kind == Question.Kind.TEXT and (data.get(name) or "").strip():
        rows.append(Answer(question=question, text=data[name].strip()))
    if question.elaborate and (data.get(f"{name}_utdyp") or "").strip():
        rows.append(Answer(question=question, text=data[f"{name}_utdyp"].strip()))
    return rows


@transaction.atomic
def response_save_page(
    *, response: Response, page: Page, data: Mapping[str, Any], resume_page: int | None = None
) -> Response:
    """Replace the response's answers to `page`'s questions with what the form holds, and remember
    `resume_page`, the page number the person goes on to, for «Fortsett der du slapp». A submitted response
    is locked: the row lock makes a double post wait and then see it submitted."""
    response = Response.objects.select_for_update().get(pk=response.pk)
    if response.is_submitted:
        raise SurveyError("Du har allerede svart på denne undersøkelsen.")
    questions = list(page.questions.prefetch_related("items"))
    Answer.objects.filter(response=response, question__in=questions).delete()
    rows = [row for q in questions for row in _answers_from(q, data)]
    for row in rows:
        row.response = response
    Answer.objects.bulk_create(rows)
    response.updated_at = timezone.now()
    fields = ["updated_at"]
    if resume_page is not None:
        response.resume_page = resume_page
        fields.append("resume_page")
    response.save(update_fields=fields)
    return response


def missing_required(response: Response) -> list[Question]:
    """The required questions the response has not answered, in order (a matrix needs every item)."""
    questions = list(response.survey.questions.filter(required=True).select_related("page").prefetch_related("items"))
    # question → the items answered (None for a question without items)
    answered: dict[int, set[int | None]] = {}
    for question_id, item_id in (
        Answer.objects.filter(response=response, question__required=True)
        .exclude(value__isnull=True, item__isnull=True)
        .values_list("question_id", "item_id")
    ):
        answered.setdefault(question_id, set()).add(item_id)
    missing = []
    for q in questions:
        got = answered.get(q.pk, set())
        if q.kind == Question.Kind.MATRIX:
            if {i.pk for i in q.items.all()} - got:
                missing.append(q)
        elif not got:
            missing.append(q)
    return missing


@transaction.atomic
def response_submit(*, response: Response, request: HttpRequest | None = None) -> Response:
    """Submit the response once. Raises SurveyError if it (or another response of its invitation) was
    submitted before, or if it lacks required answers.

    The invitation records that it was used; in an anonymous survey the response is then cut loose from
    it and its times are forgotten (see the Response model for what is kept and why)."""
    response = Response.objects.select_for_update().select_related("survey").get(pk=response.pk)
    if response.is_submitted or response.invitation_id is None:
        raise SurveyError("Du har allerede svart på denne undersøkelsen.")
    # The invitation's row lock makes a second response of the same link (two tabs, started at once)
    # wait for the first and then see the link used.
    invitation = Invitation.objects.select_for_update().get(pk=response.invitation_id)
    if invitation.used_at is not None:
        raise SurveyError("Du har allerede svart på denne undersøkelsen.")
    if missing_required(response):
        raise SurveyError("Noen obligatoriske spørsmål er ikke besvart.")
    record_submission(response=response, invitation=invitation, now=timezone.now())
    # A reminder still waiting in the outbox (a retry) would ask someone who has just answered.
    reminders = Delivery.objects.filter(invitation=invitation, mailing__kind=Mailing.Kind.REMINDER)
    outbox.cancel_pending(Email.objects.filter(pk__in=reminders.values("email")))
    # No actor: the respondent answers without logging in, and an anonymous survey must not log who it was.
    audit_log(action="survey.response_submitted", obj=response.survey, request=None)
    return response


def record_submission(*, response: Response, invitation: Invitation, now: datetime) -> None:
    """Mark `response` submitted at `now` and its invitation used; in an anonymous survey the response
    drops its invitation and its times, and the invitation records only that it was used, at the survey's
    opening time: the time of the submit beside the person's invitation would pick their response out of
    the others by the order they were saved in."""
    invitation.used_at = response.survey.opens_at if response.survey.anonymous else now
    invitation.save(update_fields=["used_at"])
    if response.survey.anonymous:
        fields = {
            "invitation": None,
            "started_at": response.survey.opens_at,
            "updated_at": response.survey.opens_at,
            "submitted_at": response.survey.opens_at,
            # Where the person last paused is a trace of how they answered: every anonymous response ends
            # with the same value.
            "resume_page": 1,
        }
    else:
        fields = {"submitted_at": now, "updated_at": now}
    Response.objects.filter(pk=response.pk).update(**fields)
    for name, value in fields.items():
        setattr(response, name, value)
    if fields.get("invitation", True) is None:
        response.invitation_id = None


def submitted_response(*, survey: Survey, invitation: Invitation, submitted_at: datetime) -> Response:
    """An unsaved response of `invitation`, submitted at `submitted_at`, in the shape response_submit
    leaves one: for data made in bulk (the demo, the crawl's data set, the benchmarks), whose invitations
    must have `used_at` set as well."""
    if survey.anonymous:
        at = survey.opens_at
        return Response(
            survey=survey, invitation=None, level=invitation.level, started_at=at, updated_at=at, submitted_at=at
        )
    return Response(survey=survey, invitation=invitation, level=invitation.level, submitted_at=submitted_at)


# Coding of open answers


@transaction.atomic
def answer_code(
    *, answer: Answer, categories: Iterable[Category], is_quote: bool, user: User, request: HttpRequest | None = None
) -> Answer:
    """Tag an open answer with categories (of its own survey) and mark it as a quote or not."""
    categories = [c for c in categories if c.survey_id == answer.question.survey_id]
    answer.categories.set(categories)
    answer.is_quote = is_quote
    answer.save(update_fields=["is_quote"])
    audit_log(
        action="survey.answer_coded",
        actor=user,
        obj=answer,
        request=request,
        payload={"categories": [c.pk for c in categories], "quote": is_quote},
    )
    return answer


def category_set_finding(
    *, category: Category, finding: str, user: User, request: HttpRequest | None = None
) -> Category:
    category.finding = finding
    category.save(update_fields=["finding"])
    audit_log(action="survey.finding_written", actor=user, obj=category, request=request)
    return category


# The report as a PDF, made in the background


def report_pdf_request(*, survey: Survey, user: User, request: HttpRequest | None = None) -> ReportPdf:
    """«Lag PDF» (and «Prøv igjen», «Lag PDF på nytt»): queue the report's PDF to be made. Nothing is
    rendered here; the background job (reports_render_due) makes and stores it, and a double click queues
    one render (core.pdf_jobs)."""
    report, queued = job_request(ReportPdf.objects.all(), user=user, survey=survey)
    if queued:
        audit_log(action="survey.report_requested", actor=user, obj=survey, request=request)
    send_soon(REPORT_TASK)
    return report


def reports_render_due(*, limit: int | None = None) -> int:
    """The background job: makes the report PDFs that were asked for, oldest first, until none is left (or
    `limit` were tried), as core.pdf_jobs.jobs_render_due claims them. Returns how many were tried."""
    return jobs_render_due(
        ReportPdf.objects.select_related("survey__portfolio__programme"), _report_render, limit=limit
    )


def _report_render(report: ReportPdf) -> None:
    survey = report.survey
    try:
        context = report_context(survey)
        report.responses = context["respondents"]
        # The evaluation report is filed by the municipalities and the council alike: PDF/A.
        content = render_pdf(REPORT_PDF_TEMPLATE, context, pdf_variant=PDF_ARCHIVE)
        job_made(report, content, name=f"surveys/{survey.pk}", fields=["responses"])
    except Exception as error:
        message = job_failed(report, error)
        audit_log(action="survey.report_failed", obj=survey, payload={"error": message})
        return
    audit_log(action="survey.report_made", obj=survey, payload={"responses": report.responses})
