"""A measure links to the group's documents (issue 16): chosen among the group's own, checked in the
service, shown as links on the plan page, and gone once a document is taken down."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AuditEvent
from municipalities.models import Role
from municipalities.services import group_document_hide
from municipalities.tests.documents import document
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory, municipality
from testing.forms import opened

from .. import services
from ..models import Measure
from .factories import DevelopmentPlanFactory, GoalFactory, MeasureFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting():
    plan = DevelopmentPlanFactory()
    group = plan.group
    leader = MembershipFactory(group=group, role=Role.LEADER).user
    other = MunicipalityGroupFactory(municipalities=[municipality("5612")])
    goal = GoalFactory(plan=plan)
    return {
        "plan": plan,
        "leader": leader,
        "goal": goal,
        "measure": MeasureFactory(goal=goal, title="Åpne dager i skolene", responsible_person=None),
        "budget": document(group, leader, title="Budsjett for tiltaket", versions=2),
        "foreign": document(other, MembershipFactory(group=other).user, title="Annen gruppes dokument"),
    }


def _edit_url(setting):
    return reverse(
        "development_plans:measure_edit", kwargs={"pk": setting["plan"].pk, "measure_pk": setting["measure"].pk}
    )


def _data(**extra):
    return {"title": "Åpne dager i skolene", "status": Measure.Status.PLANNED, **extra}


def test_the_leader_links_a_document_to_a_measure_and_the_plan_page_links_to_it(client, setting):
    client.force_login(setting["leader"])
    url = _edit_url(setting)
    form = client.get(url).content.decode()
    assert "Budsjett for tiltaket" in form and "Annen gruppes dokument" not in form
    response = client.post(url, _data(documents=[str(setting["budget"].pk)]) | opened(client, url))
    assert response.status_code == 302, response.content.decode()
    assert list(setting["measure"].documents.all()) == [setting["budget"]]
    change = AuditEvent.objects.filter(action="development_plan.measure_changed").latest("pk")
    assert change.payload["changes"]["documents"] == [[], ["Budsjett for tiltaket"]]
    page = client.get(setting["plan"].get_absolute_url()).content.decode()
    assert reverse("municipalities:document_download", kwargs={"pk": setting["budget"].pk, "number": 2}) in page


def test_another_groups_document_is_refused_by_the_form(client, setting):
    client.force_login(setting["leader"])
    url = _edit_url(setting)
    response = client.post(
        url, _data(title="Endret tittel", documents=[str(setting["foreign"].pk)]) | opened(client, url)
    )
    assert response.status_code == 200
    assert "Velg blant gruppens dokumenter." in response.content.decode()
    assert "Endret tittel" in response.content.decode()
    assert not setting["measure"].documents.exists()


def test_the_service_refuses_another_groups_or_a_hidden_document(setting):
    hidden = document(setting["plan"].group, setting["leader"], title="Tatt bort")
    group_document_hide(document=hidden, user=setting["leader"])
    hidden.refresh_from_db()
    for wrong in (setting["foreign"], hidden):
        with pytest.raises(ValidationError):
            services.measure_update(measure=setting["measure"], user=setting["leader"], data={"documents": [wrong]})
        with pytest.raises(ValidationError):
            services.measure_create(
                goal=setting["goal"], user=setting["leader"], data={"title": "Nytt", "documents": [wrong]}
            )
    assert not setting["measure"].documents.exists()
    assert setting["goal"].measures.count() == 1


def test_a_document_taken_down_disappears_from_the_plan_page(client, setting):
    setting["measure"].documents.add(setting["budget"])
    group_document_hide(document=setting["budget"], user=setting["leader"])
    client.force_login(setting["leader"])
    assert "Budsjett for tiltaket" not in client.get(setting["plan"].get_absolute_url()).content.decode()
