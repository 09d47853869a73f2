from django.db import migrations

from accounts.roles import ADVISER, PROGRAMME_LEADER, grant_permissions

MODELS = ["programme", "portfolio", "foundationsection", "planitem"]
GRANTS = {
    PROGRAMME_LEADER: [f"{verb}_{model}" for model in MODELS for verb in ("add", "change", "delete", "view")],
    ADVISER: [f"view_{model}" for model in MODELS],
}


def grant(apps, schema_editor):
    grant_permissions(apps, "portfolios", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("portfolios", "0001_initial"), ("accounts", "0002_staff_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
