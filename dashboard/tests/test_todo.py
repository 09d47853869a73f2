"""«Å gjøre» (dashboard.todo): each persona sees their own next steps and nobody else's, a step is gone once
it is done, and the list costs the same queries whatever the number of groups, contracts and tasks."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import AdviserFactory, ProgrammeLeaderFactory
from contracts.models import SLOT_ORGANISATION, Contract
from contracts.selectors import contract_terms
from contracts.services import contract_send
from contracts.tests.factories import ContractFactory, sign
from core.models import Email
from dashboard.todo import MANY, adviser_todo, group_todo, leader_todo, member_todo
from development_plans.models import DevelopmentPlan
from development_plans.tests.factories import DevelopmentPlanFactory
from meetings.models import Meeting, MeetingNote
from meetings.tests.factories import MeetingFactory, MeetingNoteFactory, TaskFactory, in_days
from municipalities.models import Municipality, MunicipalityGroup, Role
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory, municipality
from portfolios.tests.factories import PortfolioFactory
from surveys.tests.factories import SurveyFactory, invite

pytestmark = pytest.mark.django_db


def _texts(items):
    return [item.text for item in items]


def _sent(contract):
    """`contract` as sending leaves it, without rendering its document: for the lists, which never read it."""
    contract.terms = contract_terms(contract)
    contract.status = Contract.Status.SENT
    contract.save(update_fields=["terms", "status"])
    return contract


def _open_survey(portfolio):
    now = timezone.now()
    return SurveyFactory(
        portfolio=portfolio,
        title="Sluttevaluering",
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=9),
    )


@pytest.fixture
def two_groups():
    """Group A (Guovdageaidnu) and group B (Bodø), each with a kulturskoleeier, a kulturskoleleder and a
    ressurslærer, in one portfolio."""
    portfolio = PortfolioFactory()
    groups = {}
    for key, number in (("a", "5612"), ("b", "1804")):
        group = MunicipalityGroupFactory(portfolio=portfolio, municipalities=[municipality(number)])
        group.owner = MembershipFactory(group=group, role=Role.OWNER_POLITICAL).user
        group.leader = MembershipFactory(group=group, role=Role.LEADER).user
        group.teacher = MembershipFactory(group=group, role=Role.RESOURCE_TEACHER).user
        groups[key] = group
    return groups["a"], groups["b"]


# A member


def test_a_member_sees_their_contract_to_sign_and_not_another_groups(two_groups):
    a, b = two_groups
    contract = _sent(ContractFactory(group=a))

    assert _texts(member_todo(a.owner)) == ["Signer kontrakten for Guovdageaidnu (Kautokeino) kommune"]
    assert member_todo(a.owner)[0].url == contract.get_absolute_url()
    assert _texts(member_todo(a.leader)) == ["Signer kontrakten for Guovdageaidnu (Kautokeino) kommune"]
    # A ressurslærer signs no slot, and group B's people never see group A's contract.
    assert member_todo(a.teacher) == []
    assert member_todo(b.owner) == []
    assert group_todo(b.owner, MunicipalityGroup.objects.with_overview().get(pk=b.pk)) == []


def test_the_contract_item_is_gone_once_the_member_has_signed(two_groups, django_capture_on_commit_callbacks):
    a, _b = two_groups
    contract = ContractFactory(group=a)
    with django_capture_on_commit_callbacks(execute=True):
        contract_send(contract=contract)
    assert len(member_todo(a.owner)) == 1

    sign(contract, a.owner, "Guovdageaidnu")

    assert member_todo(a.owner) == []
    # The kulturskoleleder's slot is still open: theirs stays until they sign.
    assert len(member_todo(a.leader)) == 1
    sign(contract, a.leader, "Guovdageaidnu")
    assert member_todo(a.leader) == []


def test_a_member_who_has_left_is_not_asked_to_sign(two_groups):
    a, _b = two_groups
    _sent(ContractFactory(group=a))
    a.memberships.filter(user=a.owner).update(ended_on=timezone.localdate())

    assert member_todo(a.owner) == []


def test_only_an_owner_is_asked_to_approve_a_shared_plan(two_groups):
    a, b = two_groups
    plan = DevelopmentPlanFactory(group=a, status=DevelopmentPlan.Status.SHARED)
    DevelopmentPlanFactory(group=b, status=DevelopmentPlan.Status.DRAFT)

    items = member_todo(a.owner)
    assert _texts(items) == ["Godkjenn utviklingsplanen for Guovdageaidnu"]
    assert items[0].url == reverse("development_plans:plan_detail", kwargs={"pk": plan.pk})
    assert member_todo(a.leader) == []
    assert member_todo(b.owner) == []

    plan.status = DevelopmentPlan.Status.APPROVED
    plan.save(update_fields=["status"])
    assert member_todo(a.owner) == []


def test_a_member_sees_the_open_tasks_that_are_theirs_and_due_soon(two_groups):
    a, b = two_groups
    note = MeetingNoteFactory(meeting=MeetingFactory(group=a, starts_at=in_days(-5)))
    today = timezone.localdate()
    TaskFactory(note=note, text="Lage møteplan for høsten", responsible_user=a.leader, due_on=today + timedelta(days=3))
    TaskFactory(note=note, text="Invitere lærerne", responsible_role=Role.LEADER, due_on=today - timedelta(days=2))
    TaskFactory(note=note, text="Hele gruppen leser rammeplanen", due_on=today + timedelta(days=10))
    # Not the leader's: another person's, another role's, far ahead, done, without a deadline.
    TaskFactory(note=note, text="Eierens oppgave", responsible_user=a.owner, due_on=today)
    TaskFactory(note=note, text="Ressurslærerens", responsible_role=Role.RESOURCE_TEACHER, due_on=today)
    TaskFactory(note=note, text="Langt fram", responsible_user=a.leader, due_on=today + timedelta(days=60))
    TaskFactory(note=note, text="Gjort", responsible_user=a.leader, due_on=today, done_at=timezone.now())
    TaskFactory(note=note, text="Uten frist", responsible_user=a.leader, due_on=None)
    # From a note still in draft, which the group does not see yet.
    draft = MeetingNoteFactory(meeting=MeetingFactory(group=a, starts_at=in_days(-20)), status=MeetingNote.Status.DRAFT)
    TaskFactory(note=draft, text="Fra utkast", responsible_user=a.leader, due_on=today)

    items = member_todo(a.leader)

    day = lambda d: d.strftime("%d.%m.%Y")  # noqa: E731
    assert _texts(items) == [
        f"Oppgave: Invitere lærerne (fristen gikk ut {day(today - timedelta(days=2))})",
        f"Oppgave: Lage møteplan for høsten (frist {day(today + timedelta(days=3))})",
        f"Oppgave: Hele gruppen leser rammeplanen (frist {day(today + timedelta(days=10))})",
    ]
    assert {item.url for item in items} == {note.meeting.get_absolute_url()}
    assert member_todo(b.leader) == []


def test_a_member_is_asked_to_answer_an_open_survey_until_they_have(two_groups):
    a, b = two_groups
    invitation, token = invite(_open_survey(a.portfolio), group=a, user=a.leader, role=Role.LEADER)

    items = member_todo(a.leader)
    assert len(items) == 1
    assert items[0].text.startswith("Svar på «Sluttevaluering» (innen ")
    assert items[0].url == reverse("surveys:answer", kwargs={"token": token})
    assert member_todo(b.leader) == []

    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    assert member_todo(a.leader) == []


def test_the_group_page_opens_with_the_members_todo_and_the_staff_see_none(client, two_groups):
    a, _b = two_groups
    _sent(ContractFactory(group=a))
    client.force_login(a.owner)

    # A member of one group lands on its page.
    response = client.get(reverse("dashboard:home"), follow=True)

    html = response.content.decode()
    assert response.redirect_chain[-1][0] == a.get_absolute_url()
    todo = html[html.index('<section aria-labelledby="todo-heading"') : html.index("</section>")]
    assert '<h2 id="todo-heading" class="h4 card-title">Å gjøre</h2>' in todo
    assert "Signer kontrakten for Guovdageaidnu (Kautokeino) kommune" in todo
    # At the top: before the group's facts and its members.
    assert html.index("todo-heading") < html.index('<dt class="col-sm-3">Kommuner</dt>') < html.index("Deltakere")

    client.force_login(a.adviser)
    assert "todo-heading" not in client.get(a.get_absolute_url()).content.decode()


def test_a_member_with_nothing_waiting_is_told_so(client, two_groups):
    a, b = two_groups
    MembershipFactory(group=b, user=a.teacher, role=Role.COORDINATOR)
    client.force_login(a.teacher)

    html = client.get(reverse("dashboard:home")).content.decode()

    assert "Ingenting venter på deg nå." in html


# An adviser


def test_an_adviser_sees_meetings_to_date_notes_to_write_and_plans_to_comment_on_in_their_groups(two_groups):
    a, b = two_groups
    undated = MeetingFactory(
        group=a, title="Veiledningsmøte 2", status=Meeting.Status.PLANNED, starts_at=None, ends_at=None
    )
    held = MeetingFactory(group=a, title="Veiledningsmøte 1", starts_at=in_days(-7))
    # Past with a published note, past but cancelled, a local meeting without a date: nothing to do.
    MeetingNoteFactory(meeting=MeetingFactory(group=a, starts_at=in_days(-30)))
    MeetingFactory(group=a, status=Meeting.Status.CANCELLED, starts_at=in_days(-3))
    MeetingFactory(
        group=a, kind=Meeting.Kind.GROUP_MEETING, status=Meeting.Status.PLANNED, starts_at=None, ends_at=None
    )
    plan = DevelopmentPlanFactory(group=a, status=DevelopmentPlan.Status.SHARED)
    # Group B's, which another adviser follows.
    MeetingFactory(group=b, status=Meeting.Status.PLANNED, starts_at=None, ends_at=None)
    DevelopmentPlanFactory(group=b, status=DevelopmentPlan.Status.SHARED)

    items = adviser_todo(a.adviser)

    assert [(item.text, item.url) for item in items] == [
        ("Sett dato for «Veiledningsmøte 2» med Guovdageaidnu", reverse("meetings:meeting_edit", args=[undated.pk])),
        (
            "Skriv og publiser referat fra «Veiledningsmøte 1» med Guovdageaidnu",
            reverse("meetings:note_edit", args=[held.pk]),
        ),
        (
            "Les og kommenter utviklingsplanen til Guovdageaidnu",
            reverse("development_plans:plan_detail", args=[plan.pk]) + "#kommentarer",
        ),
    ]
    MeetingNoteFactory(meeting=held)
    assert len(adviser_todo(a.adviser)) == 2


def test_many_of_a_kind_are_one_line_with_their_count(two_groups):
    a, _b = two_groups
    for _ in range(MANY + 1):
        MeetingFactory(group=a, status=Meeting.Status.PLANNED, starts_at=None, ends_at=None)

    assert [(item.text, item.url) for item in adviser_todo(a.adviser)] == [
        (f"{MANY + 1} veiledningsmøter mangler dato", reverse("dashboard:my_groups"))
    ]


def test_the_adviser_page_opens_with_the_todo(client, two_groups):
    a, _b = two_groups
    DevelopmentPlanFactory(group=a, status=DevelopmentPlan.Status.SHARED)
    client.force_login(a.adviser)

    html = client.get(reverse("dashboard:home"), follow=True).content.decode()

    assert html.index("Å gjøre") < html.index("Møter og oppgaver")
    assert "Les og kommenter utviklingsplanen til Guovdageaidnu" in html


# The programme leader


def test_the_programme_leader_sees_contracts_to_countersign_failed_emails_and_groups_that_lack_people(two_groups):
    a, b = two_groups
    for group in (a, b):
        contract = _sent(ContractFactory(group=group))
        contract.status = Contract.Status.SIGNED
        contract.save(update_fields=["status"])
    # Countersigned already, its document being made: not waiting for the programme leader.
    a_contract = a.contracts.get()
    a_contract.signatures.create(
        slot=SLOT_ORGANISATION,
        user=ProgrammeLeaderFactory(),
        full_name="x",
        place="Trondheim",
        signed_at=timezone.now(),
        confirmed_text="x",
        document_sha256="0" * 64,
    )
    Email.objects.create(
        to="borte@example.org", subject="x", body="x", status=Email.Status.FAILED, message_id=Email.new_message_id()
    )
    lacking = MunicipalityGroupFactory(portfolio=a.portfolio, municipalities=[municipality("0301")])

    assert [(item.text, item.url) for item in leader_todo()] == [
        ("1 kontrakt venter på kontrasignatur", "/admin/contracts/contract/?status=signed"),
        ("1 e-post kunne ikke sendes", "/admin/core/email/?status__exact=failed"),
        ("Oslo: Mangler kulturskoleeier. Mangler kulturskoleleder. Mangler ressurslærer.", lacking.get_absolute_url()),
    ]


# Query budgets


def _member_groups(member, count, portfolio):
    """`count` more groups of `member` as kulturskoleeier, each with a sent contract, a shared plan, a task
    due for the group, and an open survey invitation."""
    survey = _open_survey(portfolio)
    numbers = (
        Municipality.objects.exclude(groups__portfolio=portfolio).order_by("number").values_list("number", flat=True)
    )
    for number in list(numbers[:count]):
        group = MunicipalityGroupFactory(portfolio=portfolio, municipalities=[municipality(number)])
        MembershipFactory(group=group, user=member, role=Role.OWNER_POLITICAL)
        MembershipFactory(group=group, role=Role.LEADER)
        _sent(ContractFactory(group=group))
        DevelopmentPlanFactory(group=group, status=DevelopmentPlan.Status.SHARED)
        TaskFactory(note=MeetingNoteFactory(meeting=MeetingFactory(group=group, starts_at=in_days(-5))))
        invite(survey, group=group, user=member, role=Role.OWNER_POLITICAL)


def test_a_members_todo_costs_the_same_queries_with_2_and_12_groups(django_assert_num_queries):
    member = MembershipFactory(role=Role.OWNER_POLITICAL).user
    portfolio = PortfolioFactory()
    _member_groups(member, 2, portfolio)
    # The sent contracts with municipalities, portfolios and templates; their signatures, their groups'
    # municipalities, their groups' current memberships; the shared plans with groups, their municipalities;
    # the tasks with notes and meetings; the invitations with surveys.
    with django_assert_num_queries(8):
        assert len(member_todo(member)) == 4 * 2
    _member_groups(member, 10, portfolio)
    with django_assert_num_queries(8):
        # Four of a kind each, as the member signs, approves, does and answers each one of them.
        assert len(member_todo(member)) == 4 * 12


def _advised_groups(adviser, count, portfolio):
    numbers = (
        Municipality.objects.exclude(groups__portfolio=portfolio).order_by("number").values_list("number", flat=True)
    )
    for number in list(numbers[:count]):
        group = MunicipalityGroupFactory(portfolio=portfolio, adviser=adviser, municipalities=[municipality(number)])
        MeetingFactory(group=group, status=Meeting.Status.PLANNED, starts_at=None, ends_at=None)
        MeetingFactory(group=group, starts_at=in_days(-7))
        DevelopmentPlanFactory(group=group, status=DevelopmentPlan.Status.SHARED)


def test_an_advisers_todo_costs_the_same_queries_with_2_and_30_groups(django_assert_num_queries):
    adviser = AdviserFactory()
    portfolio = PortfolioFactory()
    _advised_groups(adviser, 2, portfolio)
    # For meetings without a date, meetings without a published note and shared plans: each the rows with
    # their groups (and plan rows), and the groups' municipalities.
    with django_assert_num_queries(6):
        assert len(adviser_todo(adviser)) == 3 * 2
    _advised_groups(adviser, 28, portfolio)
    with django_assert_num_queries(6):
        assert _texts(adviser_todo(adviser)) == [
            "30 veiledningsmøter mangler dato",
            "30 veiledningsmøter mangler publisert referat",
            "30 utviklingsplaner er delt med deg for kommentar",
        ]


def test_the_programme_leaders_todo_costs_the_same_queries_with_5_and_100_groups(django_assert_num_queries):
    portfolio = PortfolioFactory()
    _advised_groups(AdviserFactory(), 5, portfolio)
    # The count of contracts to countersign, the count of failed e-mails, the admitted and active groups with
    # portfolios and programmes, their municipalities, their memberships, and their guidance meetings with
    # attendance recorded (the attendance warnings).
    with django_assert_num_queries(6):
        assert _texts(leader_todo()) == ["5 kommunegrupper mangler deltakere"]
    _advised_groups(AdviserFactory(), 95, portfolio)
    with django_assert_num_queries(6):
        assert _texts(leader_todo()) == ["100 kommunegrupper mangler deltakere"]
