from typing import Any

from django.core.management.base import BaseCommand, CommandError

from contracts.models import ContractDocument
from core.storage import DocumentTampered, read_verified


class Command(BaseCommand):
    help = (
        "Leser hvert lagrede kontraktdokument fra det private lageret og kontrollerer det mot SHA-256-summen i "
        "databasen, f.eks. etter en gjenoppretting. Skriver ut hvert dokument som mangler eller er endret, og "
        "avslutter da med feilkode 1."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        checked = failed = 0
        for document in ContractDocument.objects.order_by("pk").iterator():
            checked += 1
            try:
                read_verified(document.path, document.sha256)
            except DocumentTampered as error:
                failed += 1
                self.stderr.write(
                    f"Stemmer ikke: kontraktdokument {document.pk} ({document.get_kind_display().lower()}, "
                    f"kontrakt {document.contract_id}): {error}"
                )
        if failed:
            raise CommandError(f"{failed} av {checked} kontraktdokumenter mangler eller er endret.")
        self.stdout.write(
            self.style.SUCCESS(f"Alle {checked} kontraktdokumenter finnes og stemmer med SHA-256-summen.")
        )
