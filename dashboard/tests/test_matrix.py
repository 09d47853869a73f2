"""The programme leader's status matrix of a portfolio, its filter and sort, and its XLSX exports (issue 14)."""

import io
import re
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AuditEvent
from accounts.services import audit_log
from accounts.tests.factories import AdviserFactory, ProgrammeLeaderFactory, UserFactory
from benchmarks.builders import groups_of_one_municipality
from contracts.models import Contract, Signature
from contracts.tests.factories import ContractFactory
from development_plans.models import DevelopmentPlan
from development_plans.tests.factories import DevelopmentPlanFactory
from meetings.models import Meeting, MeetingNote
from meetings.tests.factories import MeetingFactory, MeetingNoteFactory, TaskFactory, in_days
from municipalities.models import Membership, MunicipalityGroup, Role
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory, municipality
from portfolios.tests.factories import PortfolioFactory
from surveys.models import Invitation
from surveys.tests.factories import SurveyFactory, invite

pytestmark = pytest.mark.django_db


@pytest.fixture
def leader(client):
    user = ProgrammeLeaderFactory()
    client.force_login(user)
    return user


def _matrix(portfolio, **query):
    return reverse("dashboard:portfolio_matrix", kwargs={"pk": portfolio.pk}) + (
        "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    )


def _row_of(html, name):
    """The table row whose header cell names the group `name`."""
    for row in re.findall(r"<tr>(.*?)</tr>", html, flags=re.S):
        if re.search(rf"<th scope=\"row\"><a [^>]*>{re.escape(name)}</a>", row):
            return row
    raise AssertionError(f"no row for {name}")


@pytest.fixture
def portfolio_with_everything():
    """Bodø og Saltdal (two municipalities, Bodø's contract sent and half signed, Saltdal's none; a held
    meeting without a published note, a confirmed one ahead, an overdue task; an approved plan; two of three
    invited answered) and Guovdageaidnu (lacking everything, nothing started)."""
    portfolio = PortfolioFactory(name="Portefølje 7, 2026–27")
    adviser = AdviserFactory(full_name="Ingrid Veileder")
    bodo = MunicipalityGroupFactory(
        portfolio=portfolio,
        adviser=adviser,
        name="Bodø og Saltdal",
        municipalities=[municipality("1804"), municipality("1840")],
    )
    owner = MembershipFactory(
        group=bodo, role=Role.OWNER_ADMINISTRATIVE, municipality=municipality("1804"), user__full_name="Åse Eier"
    ).user
    MembershipFactory(group=bodo, role=Role.LEADER, municipality=municipality("1804"), user__full_name="Live Leder")
    contract = ContractFactory(
        group=bodo, municipality=municipality("1804"), status=Contract.Status.SENT, terms={"slots": ["owner", "leader"]}
    )
    Signature.objects.create(
        contract=contract,
        slot="owner",
        user=owner,
        full_name=owner.full_name,
        place="Bodø",
        signed_at=timezone.now(),
        confirmed_text="Jeg har lest kontrakten.",
        document_sha256="0" * 64,
    )
    held = MeetingFactory(
        group=bodo, status=Meeting.Status.HELD, starts_at=in_days(-20), ends_at=in_days(-20) + timedelta(hours=2)
    )
    MeetingNoteFactory(meeting=held, status=MeetingNote.Status.DRAFT, published_at=None)
    MeetingFactory(group=bodo)  # confirmed, in ten days
    published = MeetingNoteFactory(meeting__group=bodo, meeting__status=Meeting.Status.HELD)
    TaskFactory(note=published, due_on=timezone.localdate() - timedelta(days=3))
    TaskFactory(note=published)
    DevelopmentPlanFactory(
        group=bodo,
        status=DevelopmentPlan.Status.APPROVED,
        version=2,
        approved_at=datetime(2026, 3, 9, 12, tzinfo=timezone.get_current_timezone()),
    )
    survey = SurveyFactory(portfolio=portfolio, title="Evaluering 2027")
    for role, answered in [("owner_political", True), ("leader", True), ("leader", False)]:
        invitation, _ = invite(survey, group=bodo, role=role)
        if answered:
            invitation.used_at = timezone.now()
            invitation.save(update_fields=["used_at"])
    sami = MunicipalityGroupFactory(
        portfolio=portfolio, adviser=AdviserFactory(full_name="Nils Veileder"), municipalities=[municipality("5612")]
    )
    return portfolio, bodo, sami, contract, survey


def test_the_matrix_shows_each_groups_status_with_links_to_what_it_counts(client, leader, portfolio_with_everything):
    portfolio, bodo, sami, contract, survey = portfolio_with_everything
    audit_log(action="development_plan.approved", actor=leader, obj=bodo, group_id=bodo.pk)
    html = client.get(_matrix(portfolio)).content.decode()

    row = _row_of(html, "Bodø og Saltdal")
    assert "Saltdal mangler kulturskoleeier." in row
    assert "Mangler ressurslærer." in row
    # Bodø's contract waits for its leader; Saltdal has none yet.
    assert f'href="{contract.get_absolute_url()}"' in row
    assert "Bodø: Sendt til signering" in row
    assert "venter på Live Leder" in row
    assert "Åse Eier" not in row
    assert "Saltdal: Ikke opprettet" in row
    meetings = reverse("meetings:group_meetings", kwargs={"group_pk": bodo.pk})
    assert f'<a href="{meetings}">2 holdt, 1 bekreftet' in row
    assert '1<span class="visually-hidden"> møter uten publisert referat' in row
    assert '2<span class="visually-hidden"> åpne oppgaver' in row
    assert '1<span class="visually-hidden"> forsinkede oppgaver' in row
    assert f'href="{bodo.development_plan.get_absolute_url()}">Godkjent av kulturskoleeier, versjon 2' in row
    assert "godkjent 09.03.2026" in row
    assert f'href="{survey.get_absolute_url()}">67 %' in row
    # The survey is anonymous and one owner and two leaders were invited: whether that one owner answered
    # is not told, so the group shows its total alone (surveys.selectors.running_survey_rates).
    assert "Alle nivåer: 2 av 3" in row and "Eier:" not in row
    assert timezone.localdate().strftime("%d.%m.%Y") in row

    other = _row_of(html, "Guovdageaidnu")
    assert "Mangler kulturskoleeier." in other
    assert "Guovdageaidnu: Ikke opprettet" in other
    assert reverse("development_plans:group_plan", kwargs={"group_pk": sami.pk}) in other
    assert "Ikke startet" in other
    assert "Ingen invitert" in other
    assert f'href="{sami.get_absolute_url()}"' in other
    # Status in words and symbols, not by colour alone.
    assert "✓" in html or "✗" in html
    assert "Oppmøte på samlingene registreres ikke" in html


def test_the_matrix_filters_by_county_adviser_and_status(client, leader, portfolio_with_everything):
    portfolio, bodo, sami, _contract, _survey = portfolio_with_everything
    finnmark = municipality("5612").county
    html = client.get(_matrix(portfolio, county=finnmark.pk)).content.decode()
    assert "Guovdageaidnu" in html and "Bodø og Saltdal" not in html
    assert f'<option value="{finnmark.pk}" selected>' in html

    html = client.get(_matrix(portfolio, adviser=bodo.adviser.pk)).content.decode()
    assert "Bodø og Saltdal" in html and "Guovdageaidnu (Kautokeino)" not in html

    MunicipalityGroup.objects.filter(pk=sami.pk).update(status=MunicipalityGroup.Status.ADMITTED)
    html = client.get(_matrix(portfolio, status="admitted")).content.decode()
    assert "1 kommunegruppe." in html and "Guovdageaidnu" in html


def test_a_filter_that_is_not_a_choice_is_refused_in_norwegian_and_kept(client, leader, portfolio_with_everything):
    portfolio = portfolio_with_everything[0]
    html = client.get(_matrix(portfolio, county=999999, status="admitted")).content.decode()
    assert "Velg et fylke fra listen." in html
    # The valid part of the filter still applies, and is kept.
    assert '<option value="admitted" selected>' in html
    assert "Ingen kommunegrupper passer filteret." in html


def test_the_matrix_sorts_by_a_column_both_ways_and_says_so(client, leader, portfolio_with_everything):
    portfolio = portfolio_with_everything[0]

    def order(html):
        return sorted(("Bodø og Saltdal", "Guovdageaidnu"), key=lambda name: html.index(f'">{name}'))

    html = client.get(_matrix(portfolio, sort="oppgaver")).content.decode()
    assert order(html) == ["Guovdageaidnu", "Bodø og Saltdal"]
    assert 'aria-sort="ascending"' in html
    assert '?sort=-oppgaver">Åpne oppgaver' in html  # the next click reverses it
    html = client.get(_matrix(portfolio, sort="-oppgaver")).content.decode()
    assert order(html) == ["Bodø og Saltdal", "Guovdageaidnu"]
    assert 'aria-sort="descending"' in html
    # An unknown column sorts by name.
    html = client.get(_matrix(portfolio, sort="tull")).content.decode()
    assert order(html) == ["Bodø og Saltdal", "Guovdageaidnu"]


def test_the_matrix_export_is_the_filtered_matrix_with_dates_as_dates(client, leader, portfolio_with_everything):
    portfolio, _bodo, _sami, _contract, _survey = portfolio_with_everything
    county = municipality("1804").county
    url = reverse("dashboard:portfolio_matrix_export", kwargs={"pk": portfolio.pk})
    response = client.get(f"{url}?county={county.pk}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    stamp = timezone.localdate().isoformat()
    assert f'filename="statusoversikt-portefolje-7-202627-{stamp}.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["Kommunegruppe", "Fylke", "Veileder", "Status"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == ["Bodø og Saltdal"]  # the filter applies
    row = dict(zip(header, rows[0], strict=True))
    assert row["Kontrakter"] == "Bodø: Sendt til signering (venter på Live Leder)\nSaltdal: Ikke opprettet"
    assert row["Holdt uten publisert referat"] == 1
    assert row["Planversjon"] == 2
    approved = sheet.cell(row=2, column=header.index("Plan godkjent") + 1)
    assert approved.value == datetime(2026, 3, 9) and approved.number_format == "dd.mm.yyyy"
    assert row["Svar på undersøkelsen"] == "Alle nivåer 2/3" and row["Svarprosent"] == 67
    assert all(sheet.column_dimensions[letter].width for letter in "ABCDEF")
    event = AuditEvent.objects.get(action="portfolio.matrix_exported")
    assert (event.actor, event.object_id, event.payload["rows"]) == (leader, str(portfolio.pk), 1)
    assert event.payload["county"] == county.name


def test_the_contact_list_names_every_current_member_and_no_former_one(client, leader, portfolio_with_everything):
    portfolio, _bodo, sami, _contract, _survey = portfolio_with_everything
    MembershipFactory(
        group=sami, role=Role.COORDINATOR, user=UserFactory(full_name="Máret Sara", phone="+47 900 00 000")
    )
    MembershipFactory(group=sami, role=Role.LEADER, user__full_name="Sluttet Før", ended_on=date(2020, 1, 1))
    MembershipFactory(group=MunicipalityGroupFactory(), user__full_name="Annen Portefølje")
    response = client.get(reverse("dashboard:portfolio_contacts_export", kwargs={"pk": portfolio.pk}))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == ["Navn", "Rolle", "Kommunegruppe", "Kommune", "E-post", "Telefon"]
    assert sheet.freeze_panes == "A2"
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    names = [r[0] for r in rows]
    current = Membership.objects.current().filter(group__portfolio=portfolio).count()
    assert len(rows) == current
    assert "Sluttet Før" not in names and "Annen Portefølje" not in names
    maret = rows[names.index("Máret Sara")]
    assert maret[1:4] == ("Koordinator", "Guovdageaidnu", "Guovdageaidnu")
    assert maret[5] == "+47 900 00 000"
    # A phone number starting with «+» stays text, not a formula or a number.
    assert sheet.cell(row=names.index("Máret Sara") + 2, column=6).data_type == "s"
    assert "Åse Eier" in names
    assert AuditEvent.objects.filter(action="portfolio.contacts_exported", actor=leader).count() == 1


def test_the_matrix_runs_the_same_queries_for_5_and_357_groups(client, leader, django_assert_num_queries):
    portfolio = PortfolioFactory()
    SurveyFactory(portfolio=portfolio)
    groups_of_one_municipality(portfolio, AdviserFactory(), 5, [Role.OWNER_POLITICAL, Role.LEADER])
    _with_records(portfolio)
    county = portfolio.groups.first().municipalities.get().county
    # session, user, second-factor device, staff roles, the portfolio, the chosen county (to validate it), the
    # running survey and its invitations' counts, the groups with their counts, plan and last activity,
    # their municipalities with counties, memberships with users and municipalities, contracts, the
    # contracts' signatures, the filter's counties and advisers to render both lists, and the attendance
    # warnings' recorded guidance meetings (16).
    with django_assert_num_queries(16):
        response = client.get(_matrix(portfolio, county=county.pk, sort="-aktivitet"))
    small = len(response.context["rows"])
    groups_of_one_municipality(portfolio, AdviserFactory(), 352, [Role.OWNER_POLITICAL, Role.LEADER], name="Flere")
    _with_records(portfolio)
    assert portfolio.groups.count() == 357
    with django_assert_num_queries(16):
        response = client.get(_matrix(portfolio, county=county.pk, sort="-aktivitet"))
    assert len(response.context["rows"]) > small
    # Unfiltered: no county to validate (15), every group a row.
    with django_assert_num_queries(15):
        response = client.get(_matrix(portfolio))
    assert len(response.context["rows"]) == 357


def _with_records(portfolio):
    """A sent contract, a plan, a held meeting with a published note and a task and a survey invitation for
    every group of `portfolio` that has none yet, made in bulk."""
    portfolio_adviser = AdviserFactory()
    groups = list(
        MunicipalityGroup.objects.filter(portfolio=portfolio, contracts__isnull=True).prefetch_related(
            "municipalities", "memberships"
        )
    )
    Contract.objects.bulk_create(
        Contract(group=g, municipality=g.municipalities.all()[0], status="sent", terms={"slots": ["owner"]})
        for g in groups
    )
    DevelopmentPlan.objects.bulk_create(DevelopmentPlan(group=g) for g in groups)
    meetings = Meeting.objects.bulk_create(
        Meeting(
            group=g,
            portfolio=portfolio,
            title="Veiledningsmøte",
            kind="guidance",
            status="held",
            starts_at=in_days(-3),
            ends_at=in_days(-3) + timedelta(hours=1),
        )
        for g in groups
    )
    MeetingNote.objects.bulk_create(MeetingNote(meeting=m, author=portfolio_adviser, status="draft") for m in meetings)
    AuditEvent.objects.bulk_create(AuditEvent(action="meeting.held", group_id=g.pk) for g in groups)
    survey = portfolio.surveys.first()
    if survey is not None:
        invitations = []
        for g in groups:
            member = g.memberships.all()[0]
            invitation = Invitation(survey=survey, user_id=member.user_id, group=g, role=member.role, level="eier")
            invitation.set_token()
            invitations.append(invitation)
        Invitation.objects.bulk_create(invitations)


def test_the_exports_run_the_same_queries_for_5_and_357_groups(client, leader, django_assert_num_queries):
    portfolio = PortfolioFactory()
    SurveyFactory(portfolio=portfolio)
    groups_of_one_municipality(portfolio, AdviserFactory(), 5, [Role.OWNER_POLITICAL, Role.LEADER])
    _with_records(portfolio)
    matrix = reverse("dashboard:portfolio_matrix_export", kwargs={"pk": portfolio.pk})
    contacts = reverse("dashboard:portfolio_contacts_export", kwargs={"pk": portfolio.pk})
    adviser = portfolio.groups.first().adviser_id
    # Matrix: session, user, device, roles, portfolio, the running survey, its invitations, the groups and
    # their 4 prefetches, the filter's advisers (to validate), the audit event (14).
    # Contacts: session, user, device, roles, portfolio, the memberships, their groups' municipalities, the
    # audit event (8).
    with django_assert_num_queries(14):
        client.get(f"{matrix}?adviser={adviser}")
    with django_assert_num_queries(8):
        client.get(contacts)
    groups_of_one_municipality(portfolio, AdviserFactory(), 352, [Role.OWNER_POLITICAL, Role.LEADER], name="Flere")
    _with_records(portfolio)
    assert portfolio.groups.count() == 357
    with django_assert_num_queries(14):
        response = client.get(f"{matrix}?adviser={adviser}")
    assert len(list(load_workbook(io.BytesIO(response.content)).active.iter_rows(min_row=2))) == 5
    with django_assert_num_queries(8):
        response = client.get(contacts)
    assert len(list(load_workbook(io.BytesIO(response.content)).active.iter_rows(min_row=2))) == 2 * 357
