"""Creates the two staff roles. Each app grants them permissions on its own models in a migration
of its own (accounts.roles.grant_permissions); this one grants what concerns accounts."""

from django.db import migrations

from accounts.roles import ADVISER, PROGRAMME_LEADER, grant_permissions

GRANTS = {
    PROGRAMME_LEADER: [
        "add_user",
        "change_user",
        "view_user",
        "view_invitation",
        "view_auditevent",
    ],
    # Advisers work in the portal, where they see only their own groups; the admin's user list would
    # show them every participant.
    ADVISER: [],
}


def create_roles(apps, schema_editor):
    grant_permissions(apps, "accounts", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
