"""A measure is linked to the tasks from meeting notes that carry it forward between meetings."""

import pytest
from django.urls import reverse

from meetings.tests.factories import TaskFactory
from municipalities.models import Role
from municipalities.tests.factories import MembershipFactory
from testing.forms import opened

from .. import services
from ..selectors import change_log_entries
from .factories import DevelopmentPlanFactory, GoalFactory, MeasureFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def measure():
    plan = DevelopmentPlanFactory()
    return MeasureFactory(goal=GoalFactory(plan=plan), title="Felles møteplan for personalet")


def _edit_data(measure, tasks):
    return {
        "title": measure.title,
        "responsible_role": "",
        "responsible_person": "",
        "status": measure.status,
        "tasks": [task.pk for task in tasks],
    }


def test_the_leader_links_a_measure_to_the_groups_tasks_and_the_plan_shows_them(client, measure):
    group = measure.goal.plan.group
    leader = MembershipFactory(group=group, role=Role.LEADER).user
    done = TaskFactory(note__meeting__group=group, text="Sette av tid i personalmøtet")
    open_task = TaskFactory(note__meeting__group=group, text="Lage utkast til møteplan")
    done.done_at = done.note.published_at
    done.save(update_fields=["done_at"])
    client.force_login(leader)
    url = reverse("development_plans:measure_edit", args=[measure.goal.plan.pk, measure.pk])
    assert "Lage utkast til møteplan (fra veiledningsmøte" in client.get(url).content.decode()

    response = client.post(url, _edit_data(measure, [done, open_task]) | opened(client, url))
    assert response.status_code == 302
    assert set(measure.tasks.all()) == {done, open_task}
    html = client.get(measure.goal.plan.get_absolute_url()).content.decode()
    assert "Sette av tid i personalmøtet" in html
    assert f'<a href="{open_task.note.meeting.get_absolute_url()}">veiledningsmøte</a>): åpen' in html
    assert "Oppgaver fra møtereferatene: ingen → Lage utkast til møteplan, Sette av tid i personalmøtet" in [
        change for entry in change_log_entries(measure.goal.plan) for change in entry["changes"]
    ]


def test_tasks_of_another_group_or_of_a_draft_note_cannot_be_linked(client, measure):
    group = measure.goal.plan.group
    leader = MembershipFactory(group=group, role=Role.LEADER).user
    other = TaskFactory(text="Oppgave i en annen kommunegruppe")
    draft = TaskFactory(note__meeting__group=group, note__status="draft", text="Oppgave fra et utkast")
    client.force_login(leader)
    url = reverse("development_plans:measure_edit", args=[measure.goal.plan.pk, measure.pk])
    # Before the group has a published note there is nothing to link, and the field is left out.
    assert "Oppgaver fra møtereferatene" not in client.get(url).content.decode()

    TaskFactory(note__meeting__group=group, text="Oppgave fra et publisert referat")
    page = client.get(url).content.decode()
    assert "Oppgave fra et publisert referat" in page
    assert other.text not in page
    assert draft.text not in page
    for task in (other, draft):
        response = client.post(url, _edit_data(measure, [task]) | opened(client, url))
        assert response.status_code == 200
        assert f"Velg et gyldig valg. {task.pk} er ikke et av de tilgjengelige valgene." in response.content.decode()
    assert not measure.tasks.exists()


def test_an_approved_version_keeps_the_tasks_its_measures_had(measure):
    plan = measure.goal.plan
    task = TaskFactory(note__meeting__group=plan.group, text="Samle inn elevtall")
    measure.tasks.add(task)
    owner = MembershipFactory(group=plan.group, role=Role.OWNER_POLITICAL).user
    services.plan_share(plan=plan, user=MembershipFactory(group=plan.group, role=Role.LEADER).user)
    version = services.plan_approve(plan=plan, user=owner)
    assert version.snapshot["goals"][0]["measures"][0]["tasks"] == ["Samle inn elevtall"]
