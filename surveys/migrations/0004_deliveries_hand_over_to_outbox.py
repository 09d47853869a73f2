import django.db.models.deletion
from django.db import migrations, models


def to_schedule_statuses(apps, schema_editor):
    """Rows sent before the outbox existed count as handed over; rows that failed or were left half-sent
    keep their error as the reason they were not sent (they were never retried through the outbox)."""
    Delivery = apps.get_model("surveys", "Delivery")
    Delivery.objects.filter(status="sent").update(status="queued")
    for row in Delivery.objects.filter(status__in=["sending", "failed", "skipped"]):
        if row.status != "skipped":
            row.status, row.last_error = "skipped", "Feilet før e-post gikk gjennom utboksen: " + row.last_error
        row.reason = row.last_error[:300]
        row.save(update_fields=["status", "reason"])


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("surveys", "0003_delivery_skip_reason"),
    ]

    operations = [
        migrations.AddField(
            model_name="delivery",
            name="reason",
            field=models.CharField(blank=True, max_length=300, verbose_name="grunn"),
        ),
        migrations.RunPython(to_schedule_statuses, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="delivery",
            name="attempts",
        ),
        migrations.RemoveField(
            model_name="delivery",
            name="claimed_at",
        ),
        migrations.RemoveField(
            model_name="delivery",
            name="last_error",
        ),
        migrations.RemoveField(
            model_name="delivery",
            name="sent_at",
        ),
        migrations.AddField(
            model_name="delivery",
            name="email",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="core.email",
                verbose_name="e-post",
            ),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Venter"),
                    ("queued", "Lagt i utboksen"),
                    ("skipped", "Ikke sendt (ikke lenger aktuell)"),
                    ("cancelled", "Avbrutt"),
                ],
                default="pending",
                max_length=20,
                verbose_name="status",
            ),
        ),
    ]
