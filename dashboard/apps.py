from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """The top floor: the pages that compose several apps (each person's landing page, the portfolio
    overviews, a group's page), and the commands that do the same (seed_demo, send_due_reminders)."""

    name = "dashboard"
    verbose_name = "Oversikt"
