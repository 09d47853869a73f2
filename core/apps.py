from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Helpers every app uses; imports no app (see DESIGN.md, Layout)."""

    name = "core"
    verbose_name = "Felles"
    default_auto_field = "django.db.models.BigAutoField"
