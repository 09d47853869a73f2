from django.db import migrations

from accounts.roles import PROGRAMME_LEADER, grant_permissions

# The programme leader reads the outbox and sends failed e-mails again (core.admin). core imports no app,
# so the grant lives here, with the roles. Advisers get nothing: e-mails may be about any group.
GRANTS = {PROGRAMME_LEADER: ["view_email", "change_email"]}


def grant(apps, schema_editor):
    grant_permissions(apps, "core", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_staff_roles"), ("core", "0001_initial")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
