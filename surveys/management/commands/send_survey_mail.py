from django.core.management.base import BaseCommand

from surveys.services import deliveries_send_due


class Command(BaseCommand):
    help = (
        "Sender invitasjoner og påminnelser om spørreundersøkelser som venter, også dem som skal prøves på nytt "
        "(det samme som Celery-oppgaven, uten Redis)."
    )

    def handle(self, *args, **options):
        sent = deliveries_send_due()
        self.stdout.write(f"Sendte {sent} e-poster.")
