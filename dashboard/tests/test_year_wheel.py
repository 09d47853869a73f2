"""The year wheel: the right items, month by month with ISO weeks, as each person may see them."""

import re
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import ProgrammeLeaderFactory
from contracts.models import Contract
from contracts.tests.factories import ContractFactory
from development_plans.models import DevelopmentPlan
from development_plans.tests.factories import DevelopmentPlanFactory
from meetings.models import Meeting
from meetings.tests.factories import MeetingFactory
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory, municipality
from portfolios.models import PlanItem
from portfolios.tests.factories import PlanItemFactory, PortfolioFactory
from surveys.tests.factories import SurveyFactory

pytestmark = pytest.mark.django_db


def at(year, month, day, hour=10):
    return timezone.make_aware(datetime(year, month, day, hour))


@pytest.fixture
def wheel():
    """One portfolio (agreement period 01.01.2026–20.06.2027) with two groups, A (Bodø) and B (Tromsø)."""
    portfolio = PortfolioFactory(agreement_start=date(2026, 1, 1), agreement_end=date(2027, 6, 20))
    group_a = MunicipalityGroupFactory(portfolio=portfolio, municipalities=[municipality("1804")])
    group_b = MunicipalityGroupFactory(portfolio=portfolio, municipalities=[municipality("5501")])
    contract_meeting_row = PlanItemFactory(portfolio=portfolio)  # «Veiledningsmøte, kontraktsmøte», weeks 6/7
    PlanItemFactory(
        portfolio=portfolio,
        title="Mellomperiode 1 – arbeid i den enkelte kommune",
        kind=PlanItem.Kind.PERIOD,
        week_from=date(2026, 3, 9),  # week 11
        week_to=date(2026, 3, 23),  # week 13
    )
    start = at(2026, 2, 5)  # a Thursday in week 6
    MeetingFactory(
        group=group_a,
        plan_item=contract_meeting_row,
        title="Kontraktsmøte i Bodø",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    MeetingFactory(
        group=group_a,
        title="Veiledningsmøte 2 i Bodø",
        status=Meeting.Status.PLANNED,
        starts_at=None,
        ends_at=None,
        window_start=date(2026, 3, 30),  # weeks 14 and 15
        window_end=date(2026, 4, 10),
    )
    cancelled = at(2026, 2, 20)
    MeetingFactory(
        group=group_a,
        title="Avlyst møte i Bodø",
        status=Meeting.Status.CANCELLED,
        starts_at=cancelled,
        ends_at=cancelled + timedelta(hours=1),
    )
    tromso = at(2026, 3, 3)
    MeetingFactory(
        group=group_b, title="Veiledningsmøte i Tromsø", starts_at=tromso, ends_at=tromso + timedelta(hours=2)
    )
    gathering = at(2026, 4, 22)  # week 17
    MeetingFactory(
        group=None,
        portfolio=portfolio,
        kind=Meeting.Kind.GATHERING,
        title="Fellessamling 1",
        starts_at=gathering,
        ends_at=gathering + timedelta(hours=6),
    )
    ContractFactory(
        group=group_a, status=Contract.Status.SENT, sent_at=at(2026, 1, 13), reminder_due_at=at(2026, 1, 20)
    )
    ContractFactory(
        group=group_b, status=Contract.Status.SENT, sent_at=at(2026, 1, 13), reminder_due_at=at(2026, 1, 21)
    )
    DevelopmentPlanFactory(group=group_b, status=DevelopmentPlan.Status.SHARED, shared_at=at(2026, 9, 1))
    SurveyFactory(portfolio=portfolio, title="Evalueringen", opens_at=at(2026, 5, 4), closes_at=at(2026, 5, 25))
    return {
        "portfolio": portfolio,
        "group_a": group_a,
        "group_b": group_b,
        "member_a": MembershipFactory(group=group_a).user,
    }


def months_of(html, prefix="p"):
    """[(month key, the month's text)] in page order."""
    parts = re.split(rf'<h[23] id="maaned-{prefix}(\d{{4}}-\d\d)">', html)[1:]
    return [
        (key, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)))
        for key, text in zip(parts[::2], parts[1::2], strict=True)
    ]


def test_a_member_sees_their_groups_meetings_and_the_common_items_month_by_month(client, wheel):
    client.force_login(wheel["member_a"])
    html = client.get(reverse("dashboard:year_wheel", kwargs={"pk": wheel["portfolio"].pk})).content.decode()
    months = months_of(html)
    assert [key for key, _ in months] == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2027-06"]
    text = dict(months)
    assert "Avtaleperioden begynner 01.01.2026, uke 1" in text["2026-01"]
    assert "Kontrakt for Bodø skal signeres 20.01.2026, uke 4" in text["2026-01"]
    assert "Kontraktsmøte i Bodø 05.02.2026, uke 6" in text["2026-02"]
    assert "Mellomperiode 1 – arbeid i den enkelte kommune 09.03.–29.03.2026, uke 11–13" in text["2026-03"]
    assert "Veiledningsmøte 2 i Bodø 30.03.–10.04.2026, uke 14/15" in text["2026-03"]
    assert "Fellessamling 1 22.04.2026, uke 17" in text["2026-04"]
    assert "«Evalueringen» åpner 04.05.2026, uke 19" in text["2026-05"]
    assert "Frist for å svare på «Evalueringen» 25.05.2026, uke 22" in text["2026-05"]
    assert "Avtaleperioden slutter" in text["2027-06"]
    # Within a month, in date order.
    assert text["2026-05"].index("åpner") < text["2026-05"].index("Frist for å svare")
    # The meeting made from the plan's row stands for it; a cancelled meeting is left out.
    assert "Veiledningsmøte, kontraktsmøte" not in html
    assert "Avlyst møte i Bodø" not in html
    # Nothing of group B: its meeting, contract or plan.
    assert "Tromsø" not in html
    assert "Utviklingsplanen venter" not in html


def test_the_leader_sees_every_groups_items_named_by_group(client, wheel):
    client.force_login(ProgrammeLeaderFactory())
    html = client.get(reverse("dashboard:year_wheel", kwargs={"pk": wheel["portfolio"].pk})).content.decode()
    text = dict(months_of(html))
    assert "Veiledningsmøte i Tromsø (Tromsø) 03.03.2026, uke 10" in text["2026-03"]
    assert "Kontrakt for Tromsø skal signeres (Tromsø)" in text["2026-01"]
    assert "Utviklingsplanen venter på godkjenning av kulturskoleeier (Tromsø) 01.09.2026, uke 36" in text["2026-09"]
    assert "Kontraktsmøte i Bodø (Bodø)" in text["2026-02"]


def test_the_year_wheel_is_printable(client, wheel):
    client.force_login(wheel["member_a"])
    html = client.get(reverse("dashboard:year_wheel", kwargs={"pk": wheel["portfolio"].pk})).content.decode()
    stylesheet = re.search(r'href="(/static/css/reports\.[0-9a-f]+\.css)"', html)
    assert stylesheet is not None
    css = b"".join(client.get(stylesheet[1]).streaming_content).decode()
    assert "@media print" in css
    assert "size: A4 landscape" in css


def test_the_groups_page_shows_its_own_year_wheel(client, wheel):
    client.force_login(wheel["member_a"])
    html = client.get(wheel["group_a"].get_absolute_url()).content.decode()
    text = dict(months_of(html, prefix="g"))
    assert list(text) == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert "Kontrakt for Bodø skal signeres 20.01.2026, uke 4" in text["2026-01"]
    assert "Kontraktsmøte i Bodø 05.02.2026, uke 6" in text["2026-02"]
    assert "Veiledningsmøte 2 i Bodø 30.03.–10.04.2026, uke 14/15" in text["2026-03"]
    assert "Fellessamling 1 22.04.2026, uke 17" in text["2026-04"]
    assert "Tromsø" not in "".join(text.values())


def _add_meetings(group, count):
    for number in range(count):
        start = at(2026, 6, 1) + timedelta(days=7 * number)
        MeetingFactory(group=group, title=f"Ekstra møte {number}", starts_at=start, ends_at=start + timedelta(hours=1))


@pytest.mark.parametrize("extra", [0, 12])
def test_the_groups_page_costs_no_query_per_meeting(client, wheel, extra, django_assert_num_queries):
    _add_meetings(wheel["group_a"], extra)
    client.force_login(wheel["member_a"])
    url = wheel["group_a"].get_absolute_url()
    client.get(url)
    # The same count with 12 more meetings: the year wheel is built from the meetings, contracts and plan the
    # page loads anyway, and adds no query of its own. session, user, staff roles, the group (with its
    # portfolio and adviser), its municipalities, its memberships, the contracts and their signatures, the
    # meetings with their notes and plan rows, the development plan, the membership history, the portfolio's
    # plan; and «Å gjøre»
    # (dashboard.todo.group_todo): the contracts awaiting the member's signature with their signatures, the
    # group's municipalities and memberships, the plans awaiting approval, the tasks due, the surveys to answer.
    with django_assert_num_queries(19):
        client.get(url)


@pytest.mark.parametrize("extra", [0, 12])
def test_the_year_wheel_costs_the_same_with_more_groups_and_meetings(client, wheel, extra, django_assert_num_queries):
    for number in range(extra):
        group = MunicipalityGroupFactory(
            portfolio=wheel["portfolio"], adviser=None, municipalities=[municipality("1840")]
        )
        _add_meetings(group, 2)
        ContractFactory(group=group, status=Contract.Status.SENT, sent_at=at(2026, 1, 13))
        DevelopmentPlanFactory(group=group, status=DevelopmentPlan.Status.SHARED, shared_at=at(2026, 9, number + 1))
    client.force_login(ProgrammeLeaderFactory())
    url = reverse("dashboard:year_wheel", kwargs={"pk": wheel["portfolio"].pk})
    client.get(url)
    # session, user, second factor, staff roles, the portfolio; the meetings (with plan rows and groups) and
    # their groups' municipalities, the plan, the contracts and their groups' municipalities, the development
    # plans and their groups' municipalities, the surveys.
    with django_assert_num_queries(13):
        client.get(url)
