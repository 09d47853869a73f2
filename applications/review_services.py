"""Writes of the programme leader's review and decision (issue 15, part 2): ticking the criteria, notes and
the dialogue with the county, sharing with an adviser for comment, and the decision with its letter.

Admitting an application creates its group the way the spreadsheet import does
(`municipalities.services.groups_plan_carry_out`): the application's contacts become the rows of an import
plan, checked by the import's own rules, so that an admitted group gets the same memberships, invitations and
notices, and the same refusals, as an imported one."""

import re
from dataclasses import dataclass

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.services import audit_log
from core.limits import LONG_TEXT
from core.mail import about_key, build_mail, queue_mail, queue_mails, site_url
from municipalities.imports import ImportPlan, Row, import_plan
from municipalities.models import Membership, MunicipalityGroup, joined_names
from municipalities.services import groups_plan_carry_out
from portfolios.models import Portfolio, Programme

from .letters import letter_for
from .models import Application, ApplicationShare, CriterionCheck, ReviewNote

DECISION_MAIL = "applications/email/decision"
SHARED_MAIL = "applications/email/shared"

# The states a decision may be made in: a submitted application, one under review, and one on the waiting
# list (a place may come free). An admitted or declined application stays as it was decided.
DECIDABLE = frozenset({Application.Status.SUBMITTED, Application.Status.IN_REVIEW, Application.Status.WAITING_LIST})
# The states the review works in: notes, criteria and shares are for applications that were sent in.
REVIEWABLE = DECIDABLE | {Application.Status.ADMITTED, Application.Status.DECLINED}


class DecisionRefused(Exception):
    """The decision cannot be made as it stands; `messages` say why, in Norwegian, for the screen."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def _review_started(application: Application) -> None:
    """A submitted application is «Under vurdering» from the leader's first mark on it."""
    if application.status == Application.Status.SUBMITTED:
        application.status = Application.Status.IN_REVIEW
        application.save(update_fields=["status"])


@transaction.atomic
def criteria_check(
    *, application: Application, met: set[int], checked_by: User, request: HttpRequest | None = None
) -> None:
    """Record which of the call's criteria `application` meets (`met`, criterion pks); the others are not met.
    A criterion whose judgement did not change keeps who judged it and when."""
    criteria = list(application.call.criteria.all())
    existing = {c.criterion_id: c for c in application.criterion_checks.all()}
    now = timezone.now()
    changed = []
    for criterion in criteria:
        check = existing.get(criterion.pk)
        value = criterion.pk in met
        if check is None:
            CriterionCheck.objects.create(
                application=application, criterion=criterion, met=value, checked_by=checked_by, checked_at=now
            )
            changed.append(criterion.pk)
        elif check.met != value:
            check.met, check.checked_by, check.checked_at = value, checked_by, now
            check.save(update_fields=["met", "checked_by", "checked_at"])
            changed.append(criterion.pk)
    _review_started(application)
    audit_log(
        action="application.criteria_checked",
        actor=checked_by,
        obj=application,
        request=request,
        payload={"met": sorted(c.pk for c in criteria if c.pk in met), "changed": changed},
    )


@transaction.atomic
def review_note_add(
    *, application: Application, kind: str, text: str, author: User, request: HttpRequest | None = None
) -> ReviewNote:
    """A note of the leader, a record of the dialogue with the county, or an adviser's comment.
    Preconditions: the view has checked that `author` may write a note of `kind` here."""
    note = ReviewNote.objects.create(application=application, kind=kind, text=text, author=author)
    if kind != ReviewNote.Kind.ADVISER_COMMENT:
        _review_started(application)
    payload = {"note_id": note.pk, "kind": kind}
    # Literal codes, so that the audit log's texts can be checked against every code written.
    if kind == ReviewNote.Kind.ADVISER_COMMENT:
        audit_log(action="application.commented", actor=author, obj=application, request=request, payload=payload)
    else:
        audit_log(action="application.note_added", actor=author, obj=application, request=request, payload=payload)
    return note


@transaction.atomic
def application_share(
    *, application: Application, adviser: User, shared_by: User, request: HttpRequest | None = None
) -> ApplicationShare:
    """Let `adviser` read `application` and comment on it, and tell them by e-mail with a link.
    Preconditions: `adviser` is an adviser and the application is not shared with them yet (the form checks)."""
    share = ApplicationShare.objects.create(application=application, adviser=adviser, shared_by=shared_by)
    _review_started(application)
    queue_mail(
        to=adviser.email,
        user=adviser,
        template=SHARED_MAIL,
        context={
            "adviser": adviser,
            "shared_by": shared_by,
            "application": application,
            "call": application.call,
            "link": site_url(reverse("application_review:detail", kwargs={"pk": application.pk})),
        },
        about=about_key(application),
    )
    audit_log(
        action="application.shared", actor=shared_by, obj=application, request=request, payload={"adviser": adviser.pk}
    )
    return share


@transaction.atomic
def application_unshare(*, share: ApplicationShare, removed_by: User, request: HttpRequest | None = None) -> None:
    """The adviser no longer sees the application; the comments they wrote stay with it."""
    application, adviser_id = share.application, share.adviser_id
    share.delete()
    audit_log(
        action="application.unshared",
        actor=removed_by,
        obj=application,
        request=request,
        payload={"adviser": adviser_id},
    )


# --- Admission --------------------------------------------------------------------------------------------

_ROW_PREFIX = re.compile(r"^Rad (\d+), kolonne «[^»]+»: ")


@dataclass
class AdmissionPlan:
    """What admitting an application would create: the import plan of its contacts, and why it cannot be
    admitted as it stands (empty if it can)."""

    plan: ImportPlan
    errors: list[str]
    # The contacts who speak for the whole group rather than one of its municipalities.
    without_municipality: set[str]


def admission_plan(application: Application) -> AdmissionPlan:
    """The group admitting `application` would make in its call's portfolio, checked by the spreadsheet
    import's rules (municipalities.imports.import_plan), with its errors worded for the application: a
    municipality already in a group of the portfolio, a contact's address used with two names.

    Reads the application's municipalities and contacts, then what import_plan reads: a fixed number of
    queries. Writes nothing; `application_decide` makes it again inside its transaction."""
    portfolio = application.call.portfolio
    municipalities = [link.municipality for link in application.application_municipalities.all()]
    contacts = list(application.contacts.all())
    errors: list[str] = []
    if not municipalities:
        errors.append("Søknaden har ingen kommuner.")
    if not contacts:
        errors.append("Søknaden har ingen kontaktpersoner som kan bli deltakere.")
    if errors:
        return AdmissionPlan(plan=ImportPlan(), errors=errors, without_municipality=set())
    # A group of several municipalities needs one name for the import to keep it together; it is the name
    # the group would show anyway, «Fauske og Saltdal».
    group_name = joined_names([m.name for m in municipalities]) if len(municipalities) > 1 else ""
    names = {}
    without_municipality = set()
    rows = []
    for number, contact in enumerate(contacts, start=1):
        names[number] = contact.name
        municipality = contact.municipality or municipalities[0]
        if contact.municipality is None and len(municipalities) > 1:
            without_municipality.add(contact.email.lower())
        rows.append(
            Row(
                number=number,
                values={
                    "group": group_name,
                    "municipality": municipality.number,
                    "role": contact.role,
                    "full_name": contact.name,
                    "email": contact.email,
                    "phone": contact.phone,
                },
            )
        )
    plan = import_plan(portfolio=portfolio, rows=rows)
    for message in plan.errors:
        found = _ROW_PREFIX.match(message)
        errors.append(f"{names[int(found.group(1))]}: {message[found.end() :]}" if found else message)
    for planned in plan.groups:
        if planned.existing is not None:
            errors.append(
                f"{joined_names([m.name for m in municipalities])} er allerede kommunegruppen "
                f"«{planned.existing.display_name}» i porteføljen."
            )
    return AdmissionPlan(plan=plan, errors=errors, without_municipality=without_municipality)


def _admit(
    *, application: Application, decided_by: User, request: HttpRequest | None
) -> tuple[MunicipalityGroup, AdmissionPlan]:
    portfolio = application.call.portfolio
    # As in the import: two admissions (or an import) into one portfolio at once would each find a
    # municipality free and both add it.
    Portfolio.objects.select_for_update().filter(pk=portfolio.pk).first()
    admission = admission_plan(application)
    if admission.errors:
        raise DecisionRefused(admission.errors)
    [group] = groups_plan_carry_out(portfolio=portfolio, plan=admission.plan, added_by=decided_by, request=request)
    if admission.without_municipality:
        # The import gives every member a municipality; a coordinator for the whole group has none.
        Membership.objects.filter(group=group, user__email__in=admission.without_municipality).update(municipality=None)
    area = application.county_development_area.strip()
    if area and portfolio.programme.group_rule == Programme.GroupRule.FREMTIDENS_KULTURSKOLE:
        # The focus area builds on the county's development area: the group starts from what it applied with.
        group.focus_area = f"Fylkesavdelingens utviklingsområde: {area}"
        group.save(update_fields=["focus_area"])
    return group, admission


def letter_recipients(application: Application) -> list[str]:
    """Who the decision letter goes to: the applicant and every contact, each address once."""
    seen: dict[str, str] = {}
    for address in [application.applicant_email, *(c.email for c in application.contacts.all())]:
        seen.setdefault(address.lower(), address)
    return list(seen.values())


@dataclass
class Decision:
    application: Application
    group: MunicipalityGroup | None
    recipients: list[str]


def application_decide(
    *, application: Application, decision: str, letter_text: str, decided_by: User, request: HttpRequest | None = None
) -> Decision:
    """Decide `application` (admitted, waiting list or declined) and send `letter_text` to the applicant and
    the contacts through the outbox; admitting also creates the group in the call's portfolio with the
    contacts as members, invites the new people and tells those who can log in already, and links the
    application to the group. All or nothing; logged.

    Raises DecisionRefused if the application is no longer open to a decision (decided meanwhile in another
    tab) or cannot be admitted as it stands. A mail server that is down only delays the e-mails."""
    status = Application.Status(decision)
    with transaction.atomic():
        locked = Application.objects.select_for_update().filter(pk=application.pk).first()
        if locked is None or locked.status not in DECIDABLE:
            raise DecisionRefused(["Søknaden er allerede avgjort, eller den er trukket."])
        if status == Application.Status.WAITING_LIST and locked.status == Application.Status.WAITING_LIST:
            raise DecisionRefused(["Søknaden står allerede på venteliste."])
        previous = locked.status
        group = None
        admission = None
        if status == Application.Status.ADMITTED:
            group, admission = _admit(application=application, decided_by=decided_by, request=request)
        letter = letter_for(application, status, letter_text)
        now = timezone.now()
        application.status = status
        application.decided_at = now
        application.decided_by = decided_by
        # The placeholders' values may lengthen a letter typed up to the limit; the stored copy keeps to it.
        application.letter_text = letter.text[:LONG_TEXT]
        application.letter_sent_at = now
        application.group = group
        application.save(update_fields=["status", "decided_at", "decided_by", "letter_text", "letter_sent_at", "group"])
        recipients = letter_recipients(application)
        queue_mails(
            [
                build_mail(
                    to=address,
                    template=DECISION_MAIL,
                    context={"subject": letter.subject, "letter": letter.text, "application": application},
                    about=about_key(application),
                )
                for address in recipients
            ]
        )
        payload: dict[str, object] = {"from": previous, "recipients": len(recipients)}
        if group is not None and admission is not None:
            payload |= {
                "group": group.pk,
                "memberships": len(admission.plan.members),
                "invited": len(admission.plan.invited_people),
                "told": len(admission.plan.told_people),
            }
        _decision_log(status=status, application=application, decided_by=decided_by, request=request, payload=payload)
    return Decision(application=application, group=group, recipients=recipients)


def _decision_log(
    *,
    status: str,
    application: Application,
    decided_by: User,
    request: HttpRequest | None,
    payload: dict[str, object],
) -> None:
    # Literal codes, so that the audit log's texts can be checked against every code written. An admission
    # is logged on the new group too, so that the group's history starts with it.
    if status == Application.Status.ADMITTED:
        audit_log(
            action="application.admitted",
            actor=decided_by,
            obj=application,
            request=request,
            payload=payload,
            group_id=application.group_id,
        )
    elif status == Application.Status.WAITING_LIST:
        audit_log(
            action="application.waiting_listed", actor=decided_by, obj=application, request=request, payload=payload
        )
    else:
        audit_log(action="application.declined", actor=decided_by, obj=application, request=request, payload=payload)
