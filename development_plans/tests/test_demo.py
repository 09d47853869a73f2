import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import AuditEvent
from core.models import Email

from ..models import DevelopmentPlan, Goal, Level, Measure, PlanVersion

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_an_approved_plan_for_bodo_and_a_draft_for_guovdageaidnu_once():
    call_command("seed_demo")
    counts = [m.objects.count() for m in (DevelopmentPlan, Goal, Measure, PlanVersion, AuditEvent)]
    call_command("seed_demo")
    assert [m.objects.count() for m in (DevelopmentPlan, Goal, Measure, PlanVersion, AuditEvent)] == counts

    bodo = DevelopmentPlan.objects.get(group__name="Bodø")
    assert (bodo.status, bodo.version, bodo.approved_by.email) == ("approved", 1, "kommunalsjef.bodo@example.org")
    assert set(bodo.goals.values_list("level", flat=True)) == set(Level)
    measures = Measure.objects.filter(goal__plan=bodo)
    assert set(measures.values_list("status", flat=True)) == set(Measure.Status)
    assert any(m.is_overdue(timezone.localdate()) for m in measures)
    assert bodo.versions.get().snapshot["goals"][0]["measures"][0]["status"] == "done"
    assert bodo.comments.filter(author=bodo.group.adviser).exists()

    sami = DevelopmentPlan.objects.get(group__name="Guovdageaidnu")
    assert (sami.status, sami.goals.count()) == ("draft", 2)
    assert not sami.versions.exists()
    # The demo's sharing and approving tells nobody: its people are not real.
    assert not Email.objects.filter(template__startswith="development_plans/").exists()
