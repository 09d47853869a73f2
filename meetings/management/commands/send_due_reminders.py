from django.core.management.base import BaseCommand

from meetings.services import reminders_send_due, reminders_top_up


class Command(BaseCommand):
    help = "Sender påminnelser og varsler om møter som er forfalt (det samme som Celery-oppgaven, uten Redis)."

    def handle(self, *args, **options):
        reminders_top_up()
        sent = reminders_send_due()
        self.stdout.write(f"Sendte {sent} e-poster.")
