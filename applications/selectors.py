"""Reads the applications' views and services share."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Prefetch, Q, QuerySet

from core.mail import about_key
from core.models import Email
from municipalities.models import Municipality, MunicipalityGroup, group_shortcomings
from portfolios.models import Programme

from .models import (
    Application,
    ApplicationAnswer,
    ApplicationMunicipality,
    ApplicationPdf,
    Call,
    Contact,
    hash_token,
)


def open_calls() -> QuerySet[Call]:
    """The calls the public page lists, soonest deadline first."""
    return Call.objects.open().select_related("portfolio__programme").order_by("closes_at", "pk")


def _with_pages() -> QuerySet[Application]:
    return Application.objects.select_related("call__portfolio__programme", "pdf").prefetch_related(
        Prefetch(
            "application_municipalities",
            ApplicationMunicipality.objects.select_related("municipality__county"),
        ),
        Prefetch("contacts", Contact.objects.select_related("municipality")),
        Prefetch("answers", ApplicationAnswer.objects.select_related("question")),
        "call__criteria",
        "call__questions",
    )


def get_application_by_token(token: str) -> Application | None:
    """The application a personal link opens, with what its pages show, or None for an unknown link."""
    return _with_pages().filter(token_hash=hash_token(token)).first()


def get_application_with_pages(pk: int) -> Application:
    """The application `pk`, with what its pages (and its receipt and PDF) show, for the background job."""
    return _with_pages().get(pk=pk)


# The receipt's mail template (services._render_and_send).
RECEIPT_MAIL = "applications/email/receipt"


def pdf_failed(pdf: ApplicationPdf) -> bool:
    """Whether the PDF could not be made and waits for «Prøv igjen» (none made before)."""
    return not pdf.is_made and pdf.failed_at is not None and pdf.requested_at is None


def receipt_queued(application: Application) -> bool:
    """Whether the applicant's receipt is in the outbox (sent or not)."""
    return Email.objects.filter(about=about_key(application), template=RECEIPT_MAIL).exists()


def is_fremtidens(call: Call) -> bool:
    """Whether the call asks Fremtidens kulturskole's own questions (the mapping, the county's area)."""
    return call.portfolio.programme.group_rule == Programme.GroupRule.FREMTIDENS_KULTURSKOLE


def municipality_lookup() -> list[Municipality]:
    """All municipalities with both names, for the form's list of suggestions."""
    return list(Municipality.objects.only("number", "name", "norwegian_name").order_by("name"))


def find_municipality(text: str, municipalities: list[Municipality] | None = None) -> Municipality | None:
    """The municipality `text` names: its number (with or without the leading zero), its official (perhaps
    Sami) or Norwegian name, or both as the list shows them («Guovdageaidnu (Kautokeino)»), in any case."""
    wanted = " ".join(text.split()).casefold()
    if not wanted:
        return None
    if wanted.isdigit():
        return Municipality.objects.filter(number=wanted.zfill(4)).first()
    candidates = municipalities if municipalities is not None else municipality_lookup()
    for municipality in candidates:
        names = {municipality.name, municipality.norwegian_name, municipality.display_name}
        if wanted in {name.casefold() for name in names if name}:
            return municipality
    return None


def municipality_obstacles(
    *, call: Call, municipalities: list[Municipality], application: Application
) -> dict[int, str]:
    """Why some of `municipalities` cannot apply to `call` with `application`, as a sentence per
    municipality's pk: a municipality already in a group of the call's portfolio, or in another application
    sent in to a call of the same portfolio (this call or another) and not withdrawn, cannot apply again."""
    if not municipalities:
        return {}
    pks = [m.pk for m in municipalities]
    in_groups = set(
        MunicipalityGroup.municipalities.through.objects.filter(
            municipalitygroup__portfolio=call.portfolio_id, municipality__in=pks
        ).values_list("municipality_id", flat=True)
    )
    applied = set(
        Application.objects.counting()
        # Per portfolio, not per call: a municipality takes one place in a portfolio, however many calls it has.
        .filter(call__portfolio=call.portfolio_id, municipalities__in=pks)
        .exclude(pk=application.pk)
        .values_list("municipalities", flat=True)
    )
    problems = {}
    for municipality in municipalities:
        if municipality.pk in in_groups:
            problems[municipality.pk] = (
                f"{municipality.display_name} er allerede med i en kommunegruppe i {call.portfolio.name}, "
                "og kan ikke søke på nytt."
            )
        elif municipality.pk in applied:
            problems[municipality.pk] = (
                f"Det er allerede sendt inn en søknad fra {municipality.display_name} til {call.portfolio.name}. "
                "Ta kontakt med den som sendte den, eller med oss, om noe skal endres."
            )
    return problems


@dataclass(frozen=True)
class Missing:
    """Something an application lacks before it can be sent in: the form field it is about ("" for the
    application as a whole) and the sentence."""

    field: str
    message: str


def application_missing(application: Application) -> list[Missing]:
    """What `application` still lacks before it can be sent in, read from what is saved: its municipalities,
    the people each programme's rule needs (`municipalities.models.group_shortcomings`), and the answers.
    Reads the prefetched relations of `get_application_by_token`."""
    call = application.call
    municipalities = application.municipality_list()
    contacts = list(application.contacts.all())
    missing: list[Missing] = []
    if not municipalities:
        missing.append(Missing("municipality_1", "Velg kommunen som søker."))
    else:
        for lack in group_shortcomings(
            rule=call.portfolio.programme.group_rule,
            municipalities=municipalities,
            members=[(contact.role, contact.municipality_id) for contact in contacts],
        ):
            missing.append(Missing("", f"Kontaktpersoner: {lack}"))
        if len(municipalities) > 1:
            missing.extend(
                Missing("", f"Kontaktpersoner: velg hvilken kommune {contact.name} representerer.")
                for contact in contacts
                if contact.municipality_id is None
            )
    if not application.needs.strip():
        missing.append(Missing("needs", "Beskriv behovene."))
    if not application.motivation.strip():
        missing.append(Missing("motivation", "Skriv hvorfor dere søker."))
    if not application.rammeplan:
        missing.append(Missing("rammeplan", "Svar på om rammeplanen er vedtatt lokalt."))
    if is_fremtidens(call):
        if not application.mapping.strip():
            missing.append(Missing("mapping", "Beskriv den forberedende kartleggingen."))
        if not application.county_development_area.strip():
            missing.append(Missing("county_development_area", "Oppgi fylkesavdelingens utviklingsområde."))
    answered = {answer.question_id for answer in application.answers.all() if answer.text.strip()}
    for question in call.questions.all():
        if question.required and question.pk not in answered:
            missing.append(Missing(f"question_{question.pk}", "Dette spørsmålet må besvares."))
    return missing


def non_members(application: Application) -> list[Municipality]:
    """The application's municipalities that are not members of the organisation (free guidance is for
    members): the applicant is told, and the leader sees the flag."""
    return [m for m in application.municipality_list() if not m.is_member]


def expired_applications(call: Call, *, now: datetime) -> QuerySet[Application]:
    """The declined and withdrawn applications of `call` kept longer than its retention period, those never
    confirmed for as long (their e-mail address was perhaps typed by someone else), and the drafts never sent
    in, once the call has been closed that long."""
    cutoff = now - timedelta(days=call.retention_days)
    expired = (
        Q(status=Application.Status.DECLINED, decided_at__lt=cutoff)
        | Q(status=Application.Status.WITHDRAWN, withdrawn_at__lt=cutoff)
        | Q(status=Application.Status.UNCONFIRMED, created_at__lt=cutoff)
    )
    if call.closes_at < cutoff:
        expired |= Q(status=Application.Status.DRAFT)
    return Application.objects.filter(call=call).filter(expired)
