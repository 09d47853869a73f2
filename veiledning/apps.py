from django.apps import AppConfig


class VeiledningConfig(AppConfig):
    name = "veiledning"
    verbose_name = "Veiledning"
