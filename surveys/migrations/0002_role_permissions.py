from django.db import migrations

from accounts.roles import PROGRAMME_LEADER, grant_permissions

MODELS = ["survey", "category", "page", "question", "item", "invitation", "response", "answer", "mailing", "delivery"]
# Advisers get nothing here: the survey asks the groups about the advisers' own work.
GRANTS = {
    PROGRAMME_LEADER: [f"{verb}_{model}" for model in MODELS for verb in ("add", "change", "delete", "view")],
}


def grant(apps, schema_editor):
    grant_permissions(apps, "surveys", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial"), ("accounts", "0002_staff_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
