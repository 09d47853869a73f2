from typing import Any

from django.core.management.base import BaseCommand

from accounts.services import password_resets_send
from applications.services import application_pdfs_render_due
from contracts.services import contract_reminders_send, contracts_put_in_force, contracts_render_due
from core import outbox
from dashboard.services import report_pdfs_render_due
from meetings.services import reminders_hand_over, reminders_top_up
from surveys.services import deliveries_hand_over, reports_render_due


class Command(BaseCommand):
    help = (
        "Gjør det Celery beat ellers gjør, for oppsett uten Redis: lager lenker for nytt passord og "
        "kontraktene som venter på å bli sendt eller på sitt signerte dokument og rapportene som venter på sin "
        "PDF, legger påminnelser om møter, "
        "e-post om spørreundersøkelser og påminnelser om kontrakter i utboksen, og sender det som venter der. "
        "Kjør den med noen minutters mellomrom (cron); hver e-post sendes bare én gang."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # The same services the beat tasks call (settings.CELERY_BEAT_SCHEDULE), in one run; the outbox last,
        # so that it sends what the others queued.
        resets = password_resets_send()
        reminders_top_up()
        documents = contracts_render_due()
        reports = reports_render_due() + report_pdfs_render_due()
        applications = application_pdfs_render_due()
        meetings = reminders_hand_over()
        surveys = deliveries_hand_over()
        contracts_put_in_force()
        contracts = contract_reminders_send()
        sent = outbox.send_due()
        self.stdout.write(
            f"La {meetings} e-poster om møter, {surveys} om spørreundersøkelser og {contracts} påminnelser om "
            f"kontrakter i utboksen, og sendte {sent} e-poster."
        )
        self.stdout.write(f"Forsøkte å lage {documents} kontraktdokumenter (til signering eller signert).")
        self.stdout.write(f"Forsøkte å lage {reports} rapporter som PDF.")
        self.stdout.write(f"Forsøkte å lage {applications} søknader som PDF, med kvitteringene.")
        self.stdout.write(f"La {resets} lenker for nytt passord i utboksen.")
