from django.db import migrations

from accounts.roles import ADVISER, PROGRAMME_LEADER, grant_permissions

GRANTS = {
    PROGRAMME_LEADER: [
        *[
            f"{verb}_{model}"
            for model in ("municipalitygroup", "membership")
            for verb in ("add", "change", "delete", "view")
        ],
        "change_municipality",
        "view_municipality",
        "view_county",
    ],
    # Groups and members are not the adviser's to browse in the admin: the portal shows them their own.
    ADVISER: ["view_municipality", "view_county"],
}


def grant(apps, schema_editor):
    grant_permissions(apps, "municipalities", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("municipalities", "0002_load_municipalities"), ("accounts", "0002_staff_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
