"""Existing submitted responses: their invitations record that they were used, and those of anonymous
surveys are cut loose from their invitations and forget their times, as a submit now leaves them."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def forwards(apps, schema_editor):
    Invitation = apps.get_model("surveys", "Invitation")
    Response = apps.get_model("surveys", "Response")
    submitted = Response.objects.filter(invitation=OuterRef("pk"), submitted_at__isnull=False)
    Invitation.objects.filter(used_at__isnull=True, response__submitted_at__isnull=False).update(
        used_at=Subquery(submitted.values("submitted_at")[:1])
    )
    anonymous = Response.objects.filter(survey__anonymous=True, submitted_at__isnull=False)
    # An update cannot read a joined column, so the opening time comes per survey.
    Survey = apps.get_model("surveys", "Survey")
    for survey_id, opens_at in Survey.objects.filter(anonymous=True).values_list("pk", "opens_at"):
        anonymous.filter(survey_id=survey_id).update(
            invitation=None, started_at=opens_at, updated_at=opens_at, submitted_at=opens_at
        )
        # The invitation keeps that it was used, not when (services.record_submission).
        Invitation.objects.filter(survey_id=survey_id, used_at__isnull=False).update(used_at=opens_at)


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0005_response_unlinked_when_anonymous"),
    ]

    # No way back: the links are gone, which is the point.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
