from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Helpers every app uses; imports no app (see DESIGN.md, Layout)."""

    name = "core"
    verbose_name = "Felles"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .limits import use_norwegian_max_length_message

        use_norwegian_max_length_message()
