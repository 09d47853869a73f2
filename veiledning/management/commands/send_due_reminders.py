from django.core.management.base import BaseCommand

from contracts.services import contract_reminders_send, contracts_put_in_force, contracts_render_due
from core import outbox
from meetings.services import reminders_send_due, reminders_top_up
from surveys.services import deliveries_send_due


class Command(BaseCommand):
    help = (
        "Gjør det Celery beat ellers gjør, for oppsett uten Redis: sender påminnelser om møter, e-post om "
        "spørreundersøkelser og påminnelser om kontrakter som venter på signatur, og lager kontraktene som venter "
        "på å bli sendt eller på sitt signerte dokument. Kjør den med noen minutters "
        "mellomrom (cron); hver e-post sendes bare én gang."
    )

    def handle(self, *args, **options):
        # The same services the beat tasks call (settings.CELERY_BEAT_SCHEDULE), in one run.
        reminders_top_up()
        meetings = reminders_send_due()
        surveys = deliveries_send_due()
        documents = contracts_render_due()
        contracts_put_in_force()
        contracts = contract_reminders_send()
        # Last, so that the e-mails queued above (contracts' are outbox rows) go out in this same run.
        outbox.send_due()
        self.stdout.write(
            f"Sendte {meetings} e-poster om møter, {surveys} om spørreundersøkelser "
            f"og {contracts} påminnelser om kontrakter."
        )
        self.stdout.write(f"Forsøkte å lage {documents} kontraktdokumenter (til signering eller signert).")
