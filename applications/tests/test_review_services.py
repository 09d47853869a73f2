"""The review and the decision (issue 15, part 2): admitting an application creates its group with the
contacts as members, invites the new people and tells those who can log in, links the application and
sends the letter; the other decisions send theirs; every step is logged."""

import pytest
from django.core import mail

from accounts.models import AuditEvent, Invitation, User
from accounts.tests.factories import AdviserFactory, ProgrammeLeaderFactory, UserFactory
from core.models import Email
from municipalities.models import Membership, MunicipalityGroup, Role
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory, municipality
from portfolios.tests.factories import FremtidensProgrammeFactory, PortfolioFactory

from ..letters import fill, letter_draft, placeholder_values, unknown_placeholders
from ..models import Application, ReviewNote
from ..review_services import (
    DecisionRefused,
    admission_plan,
    application_decide,
    application_share,
    criteria_check,
    review_note_add,
)
from .factories import (
    CallFactory,
    ContactFactory,
    CriterionFactory,
    SubmittedApplicationFactory,
    complete_veiledning_contacts,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader():
    return ProgrammeLeaderFactory(full_name="Siri Aasland Øvrebø")


def _fauske_and_saltdal(call=None):
    application = SubmittedApplicationFactory(
        call=call or CallFactory(), municipalities=[municipality("1841"), municipality("1840")]
    )
    ContactFactory(
        application=application,
        name="Hilde Strøm",
        email="hilde@fauske.example.org",
        role=Role.OWNER_ADMINISTRATIVE,
        municipality=municipality("1841"),
    )
    ContactFactory(
        application=application,
        name="Kåre Lyngmo",
        email="kare@saltdal.example.org",
        role=Role.OWNER_ADMINISTRATIVE,
        municipality=municipality("1840"),
    )
    ContactFactory(
        application=application,
        name="Bjørn Æsøy",
        email="bjorn@fauske.example.org",
        role=Role.LEADER,
        municipality=municipality("1841"),
    )
    # Each municipality signs its own contract, its kulturskoleleder too (municipalities.models' signatories).
    ContactFactory(
        application=application,
        name="Sølvi Ravna",
        email="solvi@saltdal.example.org",
        role=Role.LEADER,
        municipality=municipality("1840"),
    )
    ContactFactory(
        application=application,
        name="Eirin Skjærvø",
        email="eirin@fauske.example.org",
        role=Role.RESOURCE_TEACHER,
        municipality=None,
    )
    return application


def _decide(application, decision, leader, text="Hei {søkeren},\n\nGratulerer, {kommunene}!"):
    return application_decide(application=application, decision=decision, letter_text=text, decided_by=leader)


def test_admitting_creates_the_group_with_its_municipalities_and_the_contacts_as_members(leader):
    application = _fauske_and_saltdal()
    outcome = _decide(application, Application.Status.ADMITTED, leader)

    group = MunicipalityGroup.objects.get(pk=outcome.group.pk)
    assert group.portfolio == application.call.portfolio
    assert group.status == MunicipalityGroup.Status.ADMITTED
    assert group.display_name == "Fauske og Saltdal"
    assert {m.number for m in group.municipalities.all()} == {"1841", "1840"}
    members = {
        (m.user.email, m.role, m.municipality.number if m.municipality else None) for m in group.memberships.all()
    }
    assert members == {
        ("hilde@fauske.example.org", Role.OWNER_ADMINISTRATIVE, "1841"),
        ("kare@saltdal.example.org", Role.OWNER_ADMINISTRATIVE, "1840"),
        ("bjorn@fauske.example.org", Role.LEADER, "1841"),
        ("solvi@saltdal.example.org", Role.LEADER, "1840"),
        # A contact for the whole group keeps no municipality of their own.
        ("eirin@fauske.example.org", Role.RESOURCE_TEACHER, None),
    }
    assert group.shortcomings() == []
    application.refresh_from_db()
    assert application.status == Application.Status.ADMITTED
    assert application.group == group
    assert application.decided_by == leader
    assert application.decided_at is not None and application.letter_sent_at is not None


def test_admitting_invites_the_new_people_and_tells_those_who_can_log_in(leader):
    application = _fauske_and_saltdal()
    known = UserFactory(email="bjorn@fauske.example.org", full_name="Bjørn Æsøy")
    MembershipFactory(user=known)  # a member of another group already, with a password

    _decide(application, Application.Status.ADMITTED, leader)

    invited = set(Invitation.objects.values_list("user__email", flat=True))
    assert invited == {
        "hilde@fauske.example.org",
        "kare@saltdal.example.org",
        "solvi@saltdal.example.org",
        "eirin@fauske.example.org",
    }
    assert not User.objects.get(email="hilde@fauske.example.org").has_usable_password()
    templates = {(e.to, e.template) for e in Email.objects.all()}
    assert ("hilde@fauske.example.org", "accounts/email/invitation") in templates
    assert ("bjorn@fauske.example.org", "municipalities/email/member_added") in templates
    assert ("bjorn@fauske.example.org", "accounts/email/invitation") not in templates


def test_the_letter_goes_to_the_applicant_and_every_contact_once_with_the_placeholders_filled(leader):
    application = _fauske_and_saltdal()
    application.applicant_email = "Hilde@Fauske.example.org"  # also a contact, in another case
    application.save(update_fields=["applicant_email"])

    _decide(application, Application.Status.ADMITTED, leader)

    letters = Email.objects.filter(template="applications/email/decision")
    assert sorted(e.to.lower() for e in letters) == [
        "bjorn@fauske.example.org",
        "eirin@fauske.example.org",
        "hilde@fauske.example.org",
        "kare@saltdal.example.org",
        "solvi@saltdal.example.org",
    ]
    letter = letters.first()
    assert letter.subject == "Fauske og Saltdal er tatt opp i Veiledningsordningen"
    assert "Hei Kari Nordmann,\n\nGratulerer, Fauske og Saltdal!" in letter.body
    assert "Vennlig hilsen" in letter.body
    application.refresh_from_db()
    assert application.letter_text == "Hei Kari Nordmann,\n\nGratulerer, Fauske og Saltdal!"


def test_the_letters_wait_in_the_outbox_and_nothing_is_sent_inside_the_decision(leader):
    application = _fauske_and_saltdal()
    _decide(application, Application.Status.DECLINED, leader, text="Dessverre.")
    # A mail server that is down cannot fail the decision: the letters are rows for the worker to send.
    assert mail.outbox == []
    assert Email.objects.filter(template="applications/email/decision", status=Email.Status.PENDING).count() == 6


@pytest.mark.parametrize(
    ("decision", "action", "subject"),
    [
        (Application.Status.WAITING_LIST, "application.waiting_listed", "står på venteliste"),
        (Application.Status.DECLINED, "application.declined", "Svar på søknaden fra Fauske og Saltdal"),
    ],
)
def test_waiting_list_and_decline_send_their_letter_and_create_no_group(leader, decision, action, subject):
    application = _fauske_and_saltdal()
    outcome = _decide(application, decision, leader, text="Takk for søknaden fra {kommunene}.")
    assert outcome.group is None
    assert not MunicipalityGroup.objects.exists()
    application.refresh_from_db()
    assert application.status == decision
    letters = Email.objects.filter(template="applications/email/decision")
    assert letters.count() == 6  # the applicant and the five contacts
    assert subject in letters.first().subject
    event = AuditEvent.objects.get(action=action)
    assert event.actor == leader
    assert event.object_id == str(application.pk)


def test_an_admission_is_logged_with_the_group(leader):
    application = _fauske_and_saltdal()
    outcome = _decide(application, Application.Status.ADMITTED, leader)
    event = AuditEvent.objects.get(action="application.admitted")
    assert event.group_id == outcome.group.pk
    assert event.payload["memberships"] == 5
    assert event.payload["invited"] == 5
    assert AuditEvent.objects.filter(action="membership.added", group_id=outcome.group.pk).count() == 5


def test_a_waiting_list_application_can_be_admitted_later(leader):
    application = _fauske_and_saltdal()
    _decide(application, Application.Status.WAITING_LIST, leader)
    outcome = _decide(application, Application.Status.ADMITTED, leader)
    assert outcome.group is not None


def test_a_decided_application_is_not_decided_again(leader):
    application = _fauske_and_saltdal()
    _decide(application, Application.Status.DECLINED, leader)
    with pytest.raises(DecisionRefused, match="allerede avgjort"):
        _decide(application, Application.Status.ADMITTED, leader)
    assert not MunicipalityGroup.objects.exists()


def test_a_municipality_already_in_a_group_of_the_portfolio_is_not_admitted_twice(leader):
    application = _fauske_and_saltdal()
    MunicipalityGroupFactory(portfolio=application.call.portfolio, municipalities=[municipality("1840")])
    with pytest.raises(DecisionRefused) as refused:
        _decide(application, Application.Status.ADMITTED, leader)
    assert any("Saltdal er allerede med i en annen kommunegruppe" in m for m in refused.value.messages)
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert not Email.objects.exists()
    assert not Membership.objects.filter(user__email="hilde@fauske.example.org").exists()


def test_the_same_municipalities_as_an_existing_group_are_refused_rather_than_merged(leader):
    application = _fauske_and_saltdal()
    MunicipalityGroupFactory(
        portfolio=application.call.portfolio, municipalities=[municipality("1841"), municipality("1840")]
    )
    errors = admission_plan(application).errors
    assert errors == ["Fauske og Saltdal er allerede kommunegruppen «Fauske og Saltdal» i porteføljen."]


def test_a_contact_address_with_two_names_is_refused_with_the_contacts_name(leader):
    application = SubmittedApplicationFactory()
    complete_veiledning_contacts(application)
    ContactFactory(application=application, name="Ola Nordmann", email="felles@bodo.example.org")
    ContactFactory(application=application, name="Kari Nordmann", email="felles@bodo.example.org")
    errors = admission_plan(application).errors
    assert len(errors) == 1
    assert errors[0].startswith("Kari Nordmann: Samme adresse som i rad")


def test_fremtidens_kulturskole_groups_start_from_the_county_development_area(leader):
    portfolio = PortfolioFactory(programme=FremtidensProgrammeFactory())
    application = SubmittedApplicationFactory(
        call=CallFactory(portfolio=portfolio),
        county_development_area="Kulturskolen som inkluderende fellesskap for barn og unge",
    )
    for role in (Role.MUNICIPAL_DIRECTOR, Role.LEADER, Role.COORDINATOR, Role.OTHER):
        ContactFactory(application=application, role=role, municipality=municipality("1804"))
    outcome = _decide(application, Application.Status.ADMITTED, leader)
    assert outcome.group.focus_area == (
        "Fylkesavdelingens utviklingsområde: Kulturskolen som inkluderende fellesskap for barn og unge"
    )
    assert outcome.group.shortcomings() == []


def test_ticking_criteria_records_each_and_starts_the_review(leader):
    application = SubmittedApplicationFactory()
    first, second = CriterionFactory(call=application.call), CriterionFactory(call=application.call)
    criteria_check(application=application, met={first.pk}, checked_by=leader)
    checks = {c.criterion_id: c.met for c in application.criterion_checks.all()}
    assert checks == {first.pk: True, second.pk: False}
    application.refresh_from_db()
    assert application.status == Application.Status.IN_REVIEW
    event = AuditEvent.objects.get(action="application.criteria_checked")
    assert event.payload == {"met": [first.pk], "changed": [first.pk, second.pk]}

    criteria_check(application=application, met={first.pk, second.pk}, checked_by=leader)
    assert application.criterion_checks.get(criterion=second).met is True
    assert AuditEvent.objects.filter(action="application.criteria_checked").order_by("pk").last().payload[
        "changed"
    ] == [second.pk]


def test_notes_and_comments_are_kept_and_logged(leader):
    application = SubmittedApplicationFactory()
    adviser = AdviserFactory()
    review_note_add(
        application=application, kind=ReviewNote.Kind.COUNTY_DIALOGUE, text="Fylket støtter.", author=leader
    )
    review_note_add(
        application=application, kind=ReviewNote.Kind.ADVISER_COMMENT, text="Godt forankret.", author=adviser
    )
    assert list(application.review_notes.values_list("kind", "author")) == [
        ("county_dialogue", leader.pk),
        ("adviser_comment", adviser.pk),
    ]
    assert AuditEvent.objects.filter(action="application.note_added").count() == 1
    assert AuditEvent.objects.filter(action="application.commented", actor=adviser).count() == 1


def test_sharing_tells_the_adviser_with_a_link(leader):
    application = SubmittedApplicationFactory()
    adviser = AdviserFactory(full_name="Ingrid Solbakken")
    application_share(application=application, adviser=adviser, shared_by=leader)
    [email] = Email.objects.filter(template="applications/email/shared")
    assert email.to == adviser.email
    assert f"/soknader/{application.pk}/" in email.body
    assert "Siri Aasland Øvrebø har delt en søknad" in email.body
    assert application.shares.get().adviser == adviser


def test_a_letter_fills_known_placeholders_and_names_the_unknown_ones():
    application = SubmittedApplicationFactory(municipalities=[municipality("5612")])
    values = placeholder_values(application)
    assert fill("{kommunene} i {programmet}, {ukjent}", values) == "Guovdageaidnu i Veiledningsordningen, {ukjent}"
    assert unknown_placeholders("{kommunene} {kommunen} {x.__class__}") == ["kommunen", "x.__class__"]
    assert letter_draft(application, Application.Status.DECLINED).startswith("Hei Kari Nordmann,\n\nTakk for søknaden.")
