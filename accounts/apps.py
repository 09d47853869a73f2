from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Brukere og tilgang"

    def ready(self) -> None:
        # Login and failed-login events only exist as Django's auth signals; the receivers
        # just write audit events.
        from . import receivers  # noqa: F401
