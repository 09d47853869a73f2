from typing import Any

from django.core.management.base import BaseCommand

from applications.services import applications_delete_expired


class Command(BaseCommand):
    help = (
        "Sletter søknader som er avslått eller trukket, søknader der e-postadressen aldri ble bekreftet og utkast "
        "som aldri ble sendt inn, når utlysningens lagringstid er ute, med PDF-ene deres. Kjør den daglig (cron)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = applications_delete_expired()
        self.stdout.write(f"Slettet {deleted} søknader.")
