"""The programme reports: the figures against data built here, the XLSX and PDF read back, the query budgets."""

import io
import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AuditEvent
from accounts.tests.factories import ProgrammeLeaderFactory
from contracts.models import Contract
from contracts.tests.factories import ContractFactory
from core.testing.pdf import pdf_text
from dashboard.models import ReportPdf
from dashboard.services import report_pdfs_render_due
from development_plans.models import DevelopmentPlan, PlanVersion
from development_plans.tests.factories import DevelopmentPlanFactory
from meetings.models import Meeting
from meetings.tests.factories import MeetingFactory
from municipalities.models import Municipality, MunicipalityGroup
from municipalities.tests.factories import MunicipalityGroupFactory, municipality
from portfolios.tests.factories import PortfolioFactory, ProgrammeFactory
from surveys.tests.factories import QuestionFactory, SurveyFactory, answer, invite

pytestmark = pytest.mark.django_db

Status = MunicipalityGroup.Status


@pytest.fixture
def leader():
    return ProgrammeLeaderFactory()


@pytest.fixture
def leader_client(client, leader):
    client.force_login(leader)
    return client


def build_portfolio(leader, programme=None, *, start=date(2026, 1, 1)):
    """A portfolio with: three groups taking part (Bodø and Saltdal together, Tromsø which ended early,
    Guovdageaidnu which completed) and one that only applied; two signed contracts, one sent and unsigned, one
    draft; one approved plan and one draft; two guidance meetings held, one planned, and a gathering held;
    a survey with three invitations of which one was answered (a 4 on its scale question)."""
    portfolio = PortfolioFactory(
        programme=programme or ProgrammeFactory(), agreement_start=start, agreement_end=start + timedelta(days=500)
    )
    together = MunicipalityGroupFactory(
        portfolio=portfolio, municipalities=[municipality("1804"), municipality("1840")]
    )
    ended = MunicipalityGroupFactory(
        portfolio=portfolio,
        municipalities=[municipality("5501")],
        status=Status.ENDED_EARLY,
        ended_reason="Kommunen trakk seg.",
    )
    completed = MunicipalityGroupFactory(
        portfolio=portfolio, municipalities=[municipality("5612")], status=Status.COMPLETED
    )
    MunicipalityGroupFactory(portfolio=portfolio, municipalities=[municipality("0301")], status=Status.APPLIED)
    now = timezone.now()
    for group, town in [(together, "1804"), (together, "1840")]:
        ContractFactory(group=group, municipality=municipality(town), status=Contract.Status.IN_FORCE, signed_at=now)
    ContractFactory(group=completed, status=Contract.Status.SENT, sent_at=now)
    ContractFactory(group=ended)
    approved = DevelopmentPlanFactory(group=together, status=DevelopmentPlan.Status.APPROVED, approved_at=now)
    PlanVersion.objects.create(plan=approved, number=1, approved_by=leader, approved_at=now, snapshot={})
    DevelopmentPlanFactory(group=completed)
    MeetingFactory(group=together, status=Meeting.Status.HELD)
    MeetingFactory(group=completed, status=Meeting.Status.HELD)
    MeetingFactory(group=completed)
    MeetingFactory(
        group=None,
        portfolio=portfolio,
        kind=Meeting.Kind.GATHERING,
        title="Fellessamling 1",
        status=Meeting.Status.HELD,
    )
    survey = SurveyFactory(portfolio=portfolio, anonymous=False)
    question = QuestionFactory(survey=survey, page__survey=survey, text="Hvor nyttig var veiledningen?")
    answered, _ = invite(survey, group=together)
    invite(survey, group=completed)
    invite(survey, group=completed)
    answer(answered, {question: "4"})
    return portfolio


def figures_of(html):
    """{label: value} from the key figures table of a report page."""
    table = html.split('class="table table-sm report-figures"', 1)[1].split("</table>", 1)[0]
    return dict(re.findall(r'<th scope="row">([^<]+)</th><td>([^<]+)</td>', table))


def cells(*values):
    """Table cells as the year table writes them, for finding a row in the page."""
    return "".join(f"<td>{value}</td>" for value in values)


def test_the_portfolio_report_counts_what_was_built(leader_client, leader):
    portfolio = build_portfolio(leader)
    response = leader_client.get(reverse("dashboard:report_portfolio", kwargs={"pk": portfolio.pk}))
    assert response.status_code == 200
    figures = figures_of(response.content.decode())
    assert figures["Kommunegrupper som deltar"] == "3"  # the one that only applied is not counted
    assert figures["Grupper med én kommune"] == "2"
    assert figures["Grupper med flere kommuner"] == "1"
    assert figures["Kommuner som deltar"] == "4"
    assert figures["Fylker"] == "3"  # Nordland (Bodø, Saltdal), Troms (Tromsø) and Finnmark (Guovdageaidnu)
    assert figures["Grupper som har fullført"] == "1"
    assert figures["Grupper som avsluttet før tiden"] == "1"
    assert figures["Kontrakter sendt"] == "3"
    assert figures["Kontrakter signert av kommunen"] == "2"
    assert figures["Utviklingsplaner påbegynt"] == "2"
    assert figures["Utviklingsplaner godkjent"] == "1"
    assert figures["Veiledningsmøter gjennomført"] == "2"
    assert figures["Fellessamlinger gjennomført"] == "1"
    assert figures["Invitert til spørreundersøkelsen"] == "3"
    assert figures["Svar på spørreundersøkelsen"] == "1"
    assert figures["Svarprosent"] == "33 %"


def test_the_portfolio_report_shows_the_surveys_rates_and_key_results_with_text_alternatives(leader_client, leader):
    portfolio = build_portfolio(leader)
    html = leader_client.get(reverse("dashboard:report_portfolio", kwargs={"pk": portfolio.pk})).content.decode()
    assert "Svarprosent per kommunegruppe" in html
    assert "Hvor nyttig var veiledningen?" in html
    # The chart of the scale question: its numbers in the SVG's description and in the table beside it.
    assert "Antall svar: 1." in html
    assert "<td>1</td><td>4,0</td><td>4,0</td>" in html
    # The status chart says the same as the table.
    # (Whole percentages that add up to 100: one of the three thirds is rounded up.)
    assert "Fullført: 1 (34 %); Avsluttet før tiden: 1 (33 %); Pågår eller tatt opp: 1 (33 %). Antall svar: 3." in html


def test_the_programme_report_has_a_row_per_portfolio_year_by_year(leader_client, leader):
    programme = ProgrammeFactory()
    build_portfolio(leader, programme, start=date(2025, 1, 1))
    later = PortfolioFactory(programme=programme, agreement_start=date(2027, 1, 1), agreement_end=date(2028, 6, 1))
    MunicipalityGroupFactory(portfolio=later, municipalities=[municipality("3401")])
    html = leader_client.get(reverse("dashboard:report_programme", kwargs={"pk": programme.pk})).content.decode()
    first = html.index("<td>2025</td>")
    second = html.index("<td>2027</td>")
    assert first < second  # oldest first
    # Groups, one, several, municipalities, counties, completed, ended early, signed, approved, meetings.
    assert cells(2025, 3, 2, 1, 4, 3, 1, 1, 2, 1, 2, 1, "33 %") in html
    assert cells(2027, 1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, "0 %") in html
    assert "Til sammen: 4 kommunegrupper i 2 porteføljer" in html


def test_the_portfolio_report_as_xlsx_has_a_sheet_per_table_with_numbers(leader_client, leader):
    portfolio = build_portfolio(leader)
    response = leader_client.get(reverse("dashboard:report_portfolio_xlsx", kwargs={"pk": portfolio.pk}))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Nøkkeltall", "Svarprosent", "Svarprosent per rolle", "Resultater"]
    figures = workbook["Nøkkeltall"]
    assert figures.freeze_panes == "A2"
    assert [c.value for c in figures[1]] == ["Hva", "Antall"]
    rows = {row[0]: row[1] for row in figures.iter_rows(min_row=2, values_only=True)}
    assert rows["Grupper som avsluttet før tiden"] == 1
    assert rows["Kontrakter signert av kommunen"] == 2
    assert isinstance(rows["Kommuner som deltar"], int)
    assert figures.column_dimensions["A"].width > 20
    rates = list(workbook["Svarprosent"].iter_rows(min_row=2, values_only=True))
    assert rates[-1] == ("Totalt", 3, 1, 1, 33)
    results = list(workbook["Resultater"].iter_rows(min_row=2, values_only=True))
    assert results == [("Hvor nyttig var veiledningen?", 1, 4.0, 4.0)]
    assert AuditEvent.objects.filter(action="report.exported", object_id=str(portfolio.pk)).exists()


def test_the_programme_report_as_xlsx_has_the_year_table(leader_client, leader):
    programme = ProgrammeFactory()
    build_portfolio(leader, programme, start=date(2025, 1, 1))
    response = leader_client.get(reverse("dashboard:report_programme_xlsx", kwargs={"pk": programme.pk}))
    sheet = load_workbook(io.BytesIO(response.content))["År for år"]
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    row = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert row["Startår"] == 2025
    assert row["Grupper"] == 3
    assert row["Avsluttet før tiden"] == 1
    assert row["Kontrakter signert"] == 2
    assert row["Svarprosent"] == 33


def test_the_report_pdf_is_made_in_the_background_and_downloaded_as_stored(leader_client, leader):
    portfolio = build_portfolio(leader)
    page = reverse("dashboard:report_portfolio", kwargs={"pk": portfolio.pk})
    download = reverse("dashboard:report_portfolio_pdf", kwargs={"pk": portfolio.pk})
    assert "Lag PDF" in leader_client.get(page).content.decode()
    assert leader_client.get(download).status_code == 302  # nothing made yet: back to the page
    make = reverse("dashboard:report_portfolio_pdf_make", kwargs={"pk": portfolio.pk})
    assert leader_client.post(make).status_code == 302
    assert leader_client.post(make).status_code == 302  # a double click queues one render
    assert "PDF-en lages" in leader_client.get(page).content.decode()
    assert report_pdfs_render_due() == 1
    response = leader_client.get(download)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert portfolio.name in text
    assert "Grupper som avsluttet før tiden 1" in text
    assert "Kontrakter signert av kommunen 2" in text
    assert "Kommuner som deltar 4" in text
    assert "Hvor nyttig var veiledningen?" in text
    assert "Last ned rapporten (PDF)" in leader_client.get(page).content.decode()


def test_a_failed_report_pdf_is_shown_with_try_again(leader_client, leader, monkeypatch):
    portfolio = build_portfolio(leader)
    monkeypatch.setattr("dashboard.services.render_pdf", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("ødelagt")))
    leader_client.post(reverse("dashboard:report_portfolio_pdf_make", kwargs={"pk": portfolio.pk}))
    report_pdfs_render_due()
    pdf = ReportPdf.objects.get(portfolio=portfolio)
    assert pdf.failed_at is not None and not pdf.is_made
    html = leader_client.get(reverse("dashboard:report_portfolio", kwargs={"pk": portfolio.pk})).content.decode()
    assert "PDF-en av rapporten kunne ikke lages. Feil: ødelagt" in html
    assert "Prøv igjen" in html


def test_the_programme_report_pdf_holds_the_year_table(leader_client, leader):
    programme = ProgrammeFactory()
    portfolio = build_portfolio(leader, programme, start=date(2025, 1, 1))
    leader_client.post(reverse("dashboard:report_programme_pdf_make", kwargs={"pk": programme.pk}))
    assert report_pdfs_render_due() == 1
    text = pdf_text(leader_client.get(reverse("dashboard:report_programme_pdf", kwargs={"pk": programme.pk})).content)
    assert "Rapport: Veiledningsordningen år for år" in text
    # The portfolio's name wraps in its narrow column; the figures follow its start year on one line.
    assert portfolio.name.split(",")[0] in text
    assert "2025 3 2 1 4 3 1 1 2 1 2 1 33 %" in text


def _add_groups(portfolio, count):
    """`count` more groups of one municipality each, in bulk: the query budget's data, not its subject."""
    places = list(Municipality.objects.order_by("number")[:count])
    groups = MunicipalityGroup.objects.bulk_create(
        [MunicipalityGroup(portfolio=portfolio, name=f"Gruppe {i}", status=Status.ACTIVE) for i in range(count)]
    )
    through = MunicipalityGroup.municipalities.through
    through.objects.bulk_create(
        [through(municipalitygroup_id=g.pk, municipality_id=m.pk) for g, m in zip(groups, places, strict=True)]
    )
    for group in groups[:count:7]:
        ContractFactory(group=group, status=Contract.Status.IN_FORCE, signed_at=timezone.now())
        MeetingFactory(group=group, status=Meeting.Status.HELD)


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("extra_groups", [2, 354])
def test_the_portfolio_report_costs_the_same_at_5_and_357_groups(
    leader_client, leader, extra_groups, django_assert_num_queries
):
    portfolio = build_portfolio(leader)  # three groups taking part
    _add_groups(portfolio, extra_groups)
    url = reverse("dashboard:report_portfolio", kwargs={"pk": portfolio.pk})
    leader_client.get(url)  # the session's first request loads what later ones keep
    # session, user, second factor, staff roles, the portfolio, the six figure counts (groups, municipalities
    # and counties, contracts, plans, meetings, invitations), the latest survey, the response rates (3: the
    # invitations counted, their groups, the groups' municipalities), the survey's results (4: questions,
    # items, answer counts, respondents per level), the PDF row.
    with django_assert_num_queries(20):
        leader_client.get(url)


@pytest.mark.parametrize("portfolios", [1, 30])
def test_the_programme_report_does_not_query_per_portfolio(
    leader_client, leader, portfolios, django_assert_num_queries
):
    programme = ProgrammeFactory()
    for number in range(portfolios):
        portfolio = PortfolioFactory(
            programme=programme, agreement_start=date(2000 + number, 1, 1), agreement_end=date(2001 + number, 6, 1)
        )
        _add_groups(portfolio, 2)
    url = reverse("dashboard:report_programme", kwargs={"pk": programme.pk})
    leader_client.get(url)
    # session, user, second factor, staff roles, the programme, its portfolios, the six figure counts, the
    # PDF row.
    with django_assert_num_queries(13):
        leader_client.get(url)


def test_cron_makes_the_report_pdfs_where_there_is_no_worker(leader_client, leader):
    from django.core.management import call_command

    portfolio = build_portfolio(leader)
    leader_client.post(reverse("dashboard:report_portfolio_pdf_make", kwargs={"pk": portfolio.pk}))
    call_command("send_due_reminders", stdout=io.StringIO())
    assert ReportPdf.objects.get(portfolio=portfolio).is_made


def test_a_new_pdf_replaces_the_old_file_which_stays_downloadable_meanwhile(
    leader_client, leader, django_capture_on_commit_callbacks
):
    from core.storage import private_storage, walk

    programme = ProgrammeFactory()
    make = reverse("dashboard:report_programme_pdf_make", kwargs={"pk": programme.pk})
    download = reverse("dashboard:report_programme_pdf", kwargs={"pk": programme.pk})
    leader_client.post(make)
    report_pdfs_render_due()
    first = ReportPdf.objects.get(programme=programme).path
    assert (
        "Lag PDF på nytt</button>"
        in leader_client.get(reverse("dashboard:report_programme", kwargs={"pk": programme.pk})).content.decode()
    )
    leader_client.post(make)
    assert leader_client.get(download).status_code == 200  # the old one, while the new one is made
    with django_capture_on_commit_callbacks(execute=True):
        assert report_pdfs_render_due() == 1
    report = ReportPdf.objects.get(programme=programme)
    assert report.path != first
    assert walk(private_storage()) == [report.path]


def test_a_missing_stored_pdf_is_never_handed_out(leader_client, leader):
    from core.storage import private_storage

    programme = ProgrammeFactory()
    leader_client.post(reverse("dashboard:report_programme_pdf_make", kwargs={"pk": programme.pk}))
    report_pdfs_render_due()
    private_storage().delete(ReportPdf.objects.get(programme=programme).path)
    response = leader_client.get(reverse("dashboard:report_programme_pdf", kwargs={"pk": programme.pk}))
    assert response.status_code == 302
    assert "Den lagrede PDF-en kunne ikke leses." in leader_client.get(response["Location"]).content.decode()
