from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, User
from accounts.tests.factories import AdviserFactory, ProgrammeLeaderFactory, UserFactory
from core import outbox
from core.mail import site_url
from core.models import Email
from core.testing.mail import deliver_outbox
from municipalities.forms import MunicipalityGroupAdminForm
from municipalities.models import County, Membership, Municipality, MunicipalityGroup, Role
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory, municipality
from portfolios.tests.factories import FremtidensProgrammeFactory, PortfolioFactory

pytestmark = pytest.mark.django_db


def test_all_357_municipalities_and_15_counties_are_loaded_with_sami_names():
    assert Municipality.objects.count() == 357
    assert County.objects.count() == 15
    guovdageaidnu = municipality("5612")
    assert (guovdageaidnu.name, guovdageaidnu.norwegian_name, guovdageaidnu.county.name) == (
        "Guovdageaidnu",
        "Kautokeino",
        "Finnmark",
    )
    assert guovdageaidnu.display_name == "Guovdageaidnu (Kautokeino)"
    assert municipality("0301").name == "Oslo"  # the leading zero is kept
    assert municipality("1804").display_name == "Bodø"


def test_a_group_is_named_after_its_municipalities():
    group = MunicipalityGroupFactory(municipalities=[municipality("1841"), municipality("1840")])
    assert group.display_name == "Fauske og Saltdal"


def test_a_veiledning_group_lacks_owner_leader_and_resource_teacher_until_it_has_them():
    group = MunicipalityGroupFactory()
    assert group.shortcomings() == [
        "Mangler kulturskoleeier.",
        "Mangler kulturskoleleder.",
        "Mangler ressurslærer.",
    ]
    for role in (Role.OWNER_POLITICAL, Role.LEADER, Role.RESOURCE_TEACHER):
        MembershipFactory(group=group, role=role)
    assert group.shortcomings() == []


def test_in_a_group_of_two_municipalities_each_needs_its_own_contract_signatories():
    fauske, saltdal = municipality("1841"), municipality("1840")
    group = MunicipalityGroupFactory(municipalities=[fauske, saltdal])
    MembershipFactory(group=group, role=Role.OWNER_ADMINISTRATIVE, municipality=fauske)
    MembershipFactory(group=group, role=Role.LEADER, municipality=fauske)
    MembershipFactory(group=group, role=Role.RESOURCE_TEACHER, municipality=saltdal)
    # Saltdal signs a contract of its own, as kulturskoleeier and kulturskoleleder of Saltdal.
    assert group.shortcomings() == ["Saltdal mangler kulturskoleeier.", "Saltdal mangler kulturskoleleder."]
    MembershipFactory(group=group, role=Role.OWNER_POLITICAL, municipality=saltdal)
    MembershipFactory(group=group, role=Role.LEADER, municipality=saltdal)
    assert group.shortcomings() == []


def test_a_fremtidens_kulturskole_group_needs_four_members_an_owner_and_exactly_one_coordinator():
    group = MunicipalityGroupFactory(portfolio=PortfolioFactory(programme=FremtidensProgrammeFactory()))
    MembershipFactory(group=group, role=Role.MUNICIPAL_DIRECTOR)
    MembershipFactory(group=group, role=Role.LEADER)
    assert group.shortcomings() == ["Har 2 deltakere; minst fire trengs.", "Mangler koordinator."]
    MembershipFactory(group=group, role=Role.COORDINATOR)
    MembershipFactory(group=group, role=Role.COORDINATOR)
    assert group.shortcomings() == ["Har 2 koordinatorer; det skal være nøyaktig én."]
    Membership.objects.filter(group=group, role=Role.COORDINATOR).first().delete()
    MembershipFactory(group=group, role=Role.OTHER)
    assert group.shortcomings() == []


def test_the_adviser_must_be_one_of_the_portfolios_advisers():
    group = MunicipalityGroupFactory()
    group.adviser = AdviserFactory()
    with pytest.raises(ValidationError) as error:
        group.full_clean()
    assert error.value.message_dict["adviser"] == ["Veilederen må være en av porteføljens veiledere."]


def test_a_group_ended_early_needs_a_reason_in_the_form_and_in_the_database():
    group = MunicipalityGroupFactory()
    group.status = MunicipalityGroup.Status.ENDED_EARLY
    with pytest.raises(ValidationError) as error:
        group.full_clean()
    assert "Oppgi hvorfor gruppen avsluttet før tiden." in error.value.message_dict["ended_reason"]
    with pytest.raises(IntegrityError):
        group.save()


def test_a_municipality_can_be_in_only_one_group_per_portfolio():
    taken = MunicipalityGroupFactory()
    form = MunicipalityGroupAdminForm(
        data={
            "portfolio": taken.portfolio.pk,
            "municipalities": [municipality("1804").pk, municipality("1840").pk],
            "adviser": taken.adviser.pk,
            "status": "applied",
        }
    )
    assert not form.is_valid()
    assert form.errors["municipalities"] == ["Allerede med i en annen gruppe i denne porteføljen: Bodø."]


def test_a_person_is_a_member_of_a_group_once():
    membership = MembershipFactory()
    with pytest.raises(IntegrityError):
        Membership.objects.create(user=membership.user, group=membership.group, role=Role.OTHER)


def test_the_programme_leader_invites_a_participant_from_the_group_in_the_admin(
    client, django_capture_on_commit_callbacks
):
    leader = ProgrammeLeaderFactory()
    group = MunicipalityGroupFactory()
    client.force_login(leader)
    url = reverse("admin:municipalities_municipalitygroup_invite", args=[group.pk])

    bad = client.post(url, {"full_name": "Sárá Hætta", "email": "ikke-en-adresse", "role": "leader"})
    assert bad.status_code == 200
    assert "Oppgi en gyldig e-postadresse" in bad.content.decode()
    assert 'value="Sárá Hætta"' in bad.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "full_name": "Sárá Hætta",
                "email": "Sara@Example.org",
                "role": "leader",
                "municipality": group.municipalities.get().pk,
            },
        )
    assert response.status_code == 302
    invited = User.objects.get(email="sara@example.org")
    assert not invited.has_usable_password()
    assert Membership.objects.get(user=invited, group=group).role == Role.LEADER
    assert deliver_outbox()[0].to == ["sara@example.org"]
    assert AuditEvent.objects.filter(action="invitation.queued", object_id=str(invited.pk), actor=leader).exists()

    again = client.post(url, {"full_name": "Sárá Hætta", "email": "sara@example.org", "role": "other"})
    assert "Denne personen er allerede med i gruppen." in again.content.decode()


def test_an_existing_user_is_added_without_a_new_invitation_and_told_by_email(
    client, django_capture_on_commit_callbacks
):
    client.force_login(ProgrammeLeaderFactory(full_name="Åste Selnæs Domaas"))
    existing = UserFactory(email="kjent@example.org", full_name="Kjell Kjent")
    group = MunicipalityGroupFactory(municipalities=[municipality("1826")])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:municipalities_municipalitygroup_invite", args=[group.pk]),
            {"full_name": "Kjent", "email": "kjent@example.org", "role": "resource_teacher"},
            follow=True,
        )
    assert Membership.objects.filter(user=existing, group=group).exists()
    assert "har allerede en bruker og har fått beskjed på e-post" in response.content.decode()
    # No invitation (they have a password), but a notice in the outbox, and nothing sent inside the request.
    assert mail.outbox == []
    assert not existing.invitations.exists()
    row = Email.objects.get(to="kjent@example.org")
    assert (row.template, row.user) == ("municipalities/email/member_added", existing)

    [sent] = deliver_outbox()
    assert sent.to == ["kjent@example.org"]
    assert sent.subject == f"Du er lagt til i Aarborte ({group.portfolio.programme.name})"
    assert "Åste Selnæs Domaas har lagt deg til i kommunegruppen Aarborte" in sent.body
    assert "med rollen ressurslærer" in sent.body
    assert site_url(group.get_absolute_url()) in sent.body


class DownMailServer(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("Tilkobling nektet")


def test_with_the_mail_server_down_inviting_succeeds_and_the_invitation_waits_until_it_is_back(
    client, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.DownMailServer"
    client.force_login(ProgrammeLeaderFactory())
    group = MunicipalityGroupFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:municipalities_municipalitygroup_invite", args=[group.pk]),
            {"full_name": "Ánne Máret", "email": "anne@example.org", "role": "leader"},
        )
    assert response.status_code == 302
    assert Membership.objects.filter(group=group, user__email="anne@example.org").exists()
    assert outbox.send_due() == 0
    waiting = Email.objects.get(to="anne@example.org")
    assert (waiting.status, waiting.attempts) == ("pending", 1)
    assert "Tilkobling nektet" in waiting.last_error
    # The server is back; the retry is due after five minutes.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert outbox.send_due(now=timezone.now() + timedelta(minutes=5)) == 1
    assert [m.to for m in mail.outbox] == [["anne@example.org"]]


def _admin_queries(client, url):
    # The admin caches content types on its first page; each count starts without them.
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_group_admin_page_runs_the_same_queries_with_2_and_10_members_and_names_each(client):
    # Issue 12: each member's row asked for its person and municipality (the autocomplete widgets' labels),
    # and the portfolio choice for each portfolio's programme: 17 queries, then 37 before the fix.
    client.force_login(ProgrammeLeaderFactory())
    group = MunicipalityGroupFactory(municipalities=[municipality("1804")])
    url = reverse("admin:municipalities_municipalitygroup_change", args=[group.pk])
    MembershipFactory.create_batch(2, group=group, municipality=municipality("1804"))
    few, _ = _admin_queries(client, url)
    members = MembershipFactory.create_batch(8, group=group, municipality=municipality("1804"))
    PortfolioFactory.create_batch(4)
    many, html = _admin_queries(client, url)
    assert many == few
    last = members[-1]
    assert f'<option value="{last.user.pk}" selected>{last.user}</option>' in html
    assert f'<option value="{municipality("1804").pk}" selected>Bodø</option>' in html


def test_the_group_admin_add_page_lists_portfolios_with_their_programmes_in_one_query(client):
    client.force_login(ProgrammeLeaderFactory())
    url = reverse("admin:municipalities_municipalitygroup_add")
    PortfolioFactory()
    few, _ = _admin_queries(client, url)
    PortfolioFactory(programme=FremtidensProgrammeFactory(), name="Regionale program 2024–2025")
    PortfolioFactory.create_batch(3)
    many, html = _admin_queries(client, url)
    assert many == few  # 8, then 12 before the portfolios' manager fetched their programme with them
    assert "Fremtidens kulturskole: Regionale program 2024–2025" in html
