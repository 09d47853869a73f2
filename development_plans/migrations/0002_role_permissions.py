from django.db import migrations

from accounts.roles import PROGRAMME_LEADER, grant_permissions

# The admin only shows plans (every change goes through the portal, which logs it); advisers read their own
# groups' plans in the portal, never others' in the admin.
GRANTS = {
    PROGRAMME_LEADER: [f"view_{model}" for model in ("developmentplan", "goal", "measure", "comment", "planversion")]
}


def grant(apps, schema_editor):
    grant_permissions(apps, "development_plans", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("development_plans", "0001_initial"), ("accounts", "0002_staff_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
