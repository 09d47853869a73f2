from django.db import migrations

from accounts.roles import PROGRAMME_LEADER, grant_permissions

# The programme leader writes the contract templates and reads contracts, their signatures and documents
# in the admin; contracts change only through the services. Advisers get nothing here: the admin would
# show them every group's contracts, and they follow their own groups' contracts in the portal.
GRANTS = {
    PROGRAMME_LEADER: [
        "add_contracttemplate",
        "change_contracttemplate",
        "delete_contracttemplate",
        "view_contracttemplate",
        "view_contract",
        "change_contract",
        "view_signature",
        "view_contractdocument",
        "view_portfoliocontracts",
        "change_portfoliocontracts",
    ],
}


def grant(apps, schema_editor):
    grant_permissions(apps, "contracts", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("contracts", "0001_initial"), ("accounts", "0002_staff_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
