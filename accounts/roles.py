"""The two staff roles. They are auth groups, created by a data migration; each app grants the
roles its own model permissions in a migration of its own (see `grant_permissions`)."""

from collections.abc import Iterable, Mapping

from django.apps.registry import Apps

PROGRAMME_LEADER = "Programleder"
ADVISER = "Veileder"
STAFF_ROLES = (PROGRAMME_LEADER, ADVISER)


def grant_permissions(apps: Apps, app_label: str, grants: Mapping[str, Iterable[str]]) -> None:
    """Give the staff roles permissions on `app_label`'s models, for use inside a data migration.

    `grants` maps a role name to a list of permission codenames ("view_portfolio"). Permissions
    are normally created after all migrations have run, so they are created here first.
    """
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config(app_label)
    # The migration state's app config has no models module; create_permissions only checks
    # that it is set, so it is set for the call.
    app_config.models_module = True  # type: ignore[assignment]  # the stubs want a module; any true value does
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in grants.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(*Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))
