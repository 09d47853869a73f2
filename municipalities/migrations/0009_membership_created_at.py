import datetime

import django.utils.timezone
from django.db import migrations, models
from django.utils import timezone


def backfill_created_at(apps, schema_editor):
    """A membership from before this migration was added on the day it started, at midnight in Oslo, but
    never later than yesterday: no row that exists now may count as «added today» and so be deletable
    (its started_on may have been typed to today in the admin)."""
    Membership = apps.get_model("municipalities", "Membership")
    latest = timezone.localdate() - datetime.timedelta(days=1)
    rows = []
    for membership in Membership.objects.only("pk", "started_on").iterator():
        day = min(membership.started_on, latest)
        membership.created_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
        rows.append(membership)
    Membership.objects.bulk_update(rows, ["created_at"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("municipalities", "0008_group_document"),
    ]

    operations = [
        migrations.AddField(
            model_name="membership",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name="lagt til"),
        ),
        migrations.RunPython(backfill_created_at, migrations.RunPython.noop),
    ]
