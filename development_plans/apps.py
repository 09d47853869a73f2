from django.apps import AppConfig


class DevelopmentPlansConfig(AppConfig):
    name = "development_plans"
    verbose_name = "Utviklingsplaner"
