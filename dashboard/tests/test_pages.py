from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import AdviserFactory, ProgrammeLeaderFactory
from benchmarks.builders import groups_of_one_municipality
from core.mail import queue_mail
from core.models import Email
from municipalities.models import Municipality, Role
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory, municipality
from portfolios.models import Portfolio
from portfolios.tests.factories import FoundationSectionFactory, PlanItemFactory, PortfolioFactory

pytestmark = pytest.mark.django_db


def _groups(portfolio, count, adviser=None):
    """`count` more groups in `portfolio`, each with a municipality not yet in it and a leader, all advised
    by `adviser` (a new one if None), who is returned."""
    numbers = (
        Municipality.objects.exclude(groups__portfolio=portfolio)
        .order_by("number")
        .values_list("number", flat=True)[:count]
    )
    if adviser is None:
        adviser = MunicipalityGroupFactory(portfolio=portfolio, municipalities=[municipality(numbers[0])]).adviser
        numbers = numbers[1:]
    for number in numbers:
        group = MunicipalityGroupFactory(portfolio=portfolio, adviser=adviser, municipalities=[municipality(number)])
        MembershipFactory(group=group, role=Role.LEADER)
    return adviser


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_group_page_shows_members_in_role_order_the_plan_and_what_the_group_lacks(client):
    group = MunicipalityGroupFactory(municipalities=[municipality("5612")])
    leader = MembershipFactory(group=group, role=Role.LEADER, user__full_name="Sárá Marja Hætta")
    MembershipFactory(group=group, role=Role.OWNER_POLITICAL, user__full_name="Ánte Mikkel Gaup")
    PlanItemFactory(portfolio=group.portfolio, title="Veiledningsmøte, kontraktsmøte", when_text="Februar 2026")
    PlanItemFactory(
        portfolio=group.portfolio,
        title="Kick-off webinar",
        kind="gathering",
        starts_on=date(2026, 1, 27),
        ends_on=date(2026, 1, 27),
        week_from=date(2026, 1, 26),
        week_to=None,
    )
    client.force_login(leader.user)
    html = client.get(group.get_absolute_url()).content.decode()
    assert "Guovdageaidnu (Kautokeino) (5612)" in html
    members_table = html[html.index("<h2>Deltakere</h2>") :]
    assert members_table.index("Ánte Mikkel Gaup") < members_table.index("Sárá Marja Hætta")
    assert "Mangler ressurslærer." in html
    assert "Veiledningsmøte, kontraktsmøte" in html
    assert "6/7" in html
    assert "27.01.2026" in html
    assert group.adviser.email in html


def test_the_foundation_document_prints_the_portfolios_own_period(client):
    portfolio = PortfolioFactory(agreement_start=date(2024, 8, 1), agreement_end=date(2025, 12, 31))
    FoundationSectionFactory(
        portfolio=portfolio, heading="Avtaleperiode", text="Avtalen gjelder for perioden {avtaleperiode}."
    )
    client.force_login(ProgrammeLeaderFactory())
    html = client.get(reverse("portfolios:foundation_document", args=[portfolio.pk])).content.decode()
    assert "Avtalen gjelder for perioden 01.08.2024–31.12.2025." in html


def test_the_portfolio_list_shows_each_groups_status_and_shortcomings(client):
    portfolio = PortfolioFactory(name="Portefølje 7, 2026–27")
    MunicipalityGroupFactory(portfolio=portfolio, municipalities=[municipality("1804")], status="admitted")
    client.force_login(ProgrammeLeaderFactory())
    html = client.get(reverse("dashboard:portfolio_list")).content.decode()
    assert "Portefølje 7, 2026–27" in html
    assert "Bodø" in html
    assert "Tatt opp" in html
    assert "1 tatt opp" in html
    assert "Mangler kulturskoleleder." in html


def test_the_advisers_page_lists_only_their_groups(client):
    mine = MunicipalityGroupFactory(municipalities=[municipality("1804")])
    MunicipalityGroupFactory(municipalities=[municipality("5612")])
    client.force_login(mine.adviser)
    html = client.get(reverse("dashboard:my_groups")).content.decode()
    assert "Bodø" in html
    assert "Guovdageaidnu" not in html


def _portfolio_list_queries(client, django_assert_num_queries):
    # session, user, the device that verified the session's second factor, the user's staff roles, the
    # running portfolios with programmes, their groups with advisers, the groups' municipalities with
    # counties, their memberships with users and municipalities, the completed portfolios with their counts;
    # «Å gjøre» (dashboard.todo.leader_todo): the count of contracts to countersign, of failed e-mails, and the
    # admitted and active groups with programmes, their municipalities, their memberships, and their guidance
    # meetings with attendance recorded (the attendance warnings).
    with django_assert_num_queries(15):
        response = client.get(reverse("dashboard:portfolio_list"))
    return response.content.decode()


def test_the_portfolio_list_runs_the_same_queries_with_5_and_357_groups(client, django_assert_num_queries):
    client.force_login(ProgrammeLeaderFactory())
    portfolio = PortfolioFactory()
    groups_of_one_municipality(portfolio, AdviserFactory(), 5, [Role.LEADER])
    _portfolio_list_queries(client, django_assert_num_queries)
    groups_of_one_municipality(portfolio, AdviserFactory(), 352, [Role.LEADER], name="Flere")
    assert portfolio.groups.count() == 357
    _portfolio_list_queries(client, django_assert_num_queries)


def test_the_portfolio_list_runs_the_same_queries_with_1_and_30_portfolios(client, django_assert_num_queries):
    client.force_login(ProgrammeLeaderFactory())
    adviser = AdviserFactory()
    groups_of_one_municipality(PortfolioFactory(), adviser, 3, [Role.LEADER])
    _portfolio_list_queries(client, django_assert_num_queries)
    # Ten years of history: 27 completed portfolios and two more running.
    for n in range(29):
        status = Portfolio.Status.ACTIVE if n < 2 else Portfolio.Status.COMPLETED
        groups_of_one_municipality(PortfolioFactory(status=status), adviser, 3, [Role.LEADER])
    assert Portfolio.objects.count() == 30
    _portfolio_list_queries(client, django_assert_num_queries)


def test_completed_portfolios_are_folded_away_with_counts_and_a_link_but_not_their_groups(client):
    running = PortfolioFactory(name="Portefølje 9, 2027–28")
    MunicipalityGroupFactory(portfolio=running, municipalities=[municipality("5612")])
    done = PortfolioFactory(name="Portefølje 1, 2016–17", status=Portfolio.Status.COMPLETED)
    MunicipalityGroupFactory(portfolio=done, municipalities=[municipality("1804")], status="completed")
    MunicipalityGroupFactory(
        portfolio=done, municipalities=[municipality("1840")], status="ended_early", ended_reason="Trakk seg."
    )
    client.force_login(ProgrammeLeaderFactory())
    html = client.get(reverse("dashboard:portfolio_list")).content.decode()
    assert html.index("Portefølje 9, 2027–28") < html.index("Avsluttede porteføljer")
    assert "Guovdageaidnu" in html  # the running portfolio's group
    completed = html[html.index("Avsluttede porteføljer") :]
    assert "Portefølje 1, 2016–17" in completed
    assert "2: 1 fullført, 1 avsluttet før tiden" in completed
    assert reverse("dashboard:portfolio_matrix", kwargs={"pk": done.pk}) in completed
    assert reverse("dashboard:portfolio_matrix", kwargs={"pk": running.pk}) in html
    # The completed portfolio's groups are not on the page.
    assert "Bodø" not in html and "Saltdal" not in html


def test_the_group_and_adviser_pages_do_not_grow_with_the_number_of_groups(client):
    portfolio = PortfolioFactory()
    adviser = _groups(portfolio, 5)
    group = adviser.advised_groups.first()
    PlanItemFactory.create_batch(3, portfolio=portfolio)
    client.force_login(adviser)
    before = (_queries(client, group.get_absolute_url()), _queries(client, reverse("dashboard:my_groups")))
    _groups(portfolio, 60, adviser=adviser)
    assert adviser.advised_groups.count() == 65
    after = (_queries(client, group.get_absolute_url()), _queries(client, reverse("dashboard:my_groups")))
    assert before == after


@pytest.mark.parametrize(
    "url_name",
    ["admin:municipalities_municipalitygroup_changelist", "admin:municipalities_membership_changelist"],
)
def test_the_admin_lists_of_groups_and_members_do_not_grow_with_the_data(client, url_name):
    client.force_login(ProgrammeLeaderFactory())
    portfolio = PortfolioFactory()
    _groups(portfolio, 5)
    before = _queries(client, reverse(url_name))
    _groups(portfolio, 20)
    _groups(PortfolioFactory(), 20)
    assert _queries(client, reverse(url_name)) == before


def test_portefoljer_tells_the_programme_leader_how_many_emails_failed(client):
    context = {"user": {"full_name": "Åse Ørnulf"}, "link": "https://portal.example/x", "expires_at": None}
    failed, _waiting = (
        queue_mail(to=f"m{n}@example.org", template="accounts/email/invitation", context=context) for n in range(2)
    )
    Email.objects.filter(pk=failed.pk).update(status="failed", last_error="550")
    client.force_login(ProgrammeLeaderFactory())
    html = client.get("/portefoljer/").content.decode()
    # On «Å gjøre» (dashboard.todo), linking to the failed e-mails in the admin.
    assert '<a href="/admin/core/email/?status__exact=failed">1 e-post kunne ikke sendes</a>' in html
