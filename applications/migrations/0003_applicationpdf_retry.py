from django.db import migrations

from accounts.roles import PROGRAMME_LEADER, grant_permissions

# The programme leader sees the applications' PDFs in the admin and asks for one again («Prøv igjen»).
GRANTS = {PROGRAMME_LEADER: ["view_applicationpdf", "change_applicationpdf"]}


def grant(apps, schema_editor):
    grant_permissions(apps, "applications", GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0002_application_revision"),
    ]

    operations = [
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
