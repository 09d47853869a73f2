from django.db import migrations

from accounts.roles import PROGRAMME_LEADER, grant_permissions

MODELS = ["meeting", "meetingnote", "task", "reminder"]
# Advisers get nothing here: they work with meetings in the portal, where they see only their own groups.
GRANTS = {
    PROGRAMME_LEADER: [f"{verb}_{model}" for model in MODELS for verb in ("add", "change", "delete", "view")],
}


def grant(apps, schema_editor):
    grant_permissions(apps, "meetings", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_initial"), ("accounts", "0002_staff_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
