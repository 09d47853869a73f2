from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Tar en sikkerhetskopi av databasen og alle private filer (de lagrede kontraktene) sammen, i ett "
        "tar-arkiv med et manifest over hver fils navn, størrelse og SHA-256. Arkivet holder alle personopplysninger "
        "i portalen: oppbevar det kryptert, utenfor serveren. Se README, «Backup and restore»."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="hvor arkivet skal skrives, f.eks. /var/backups/veiledning/2026-12-01.tar")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="databasen i DATABASES (standard: default)")
        parser.add_argument("--force", action="store_true", help="skriv over et arkiv som finnes fra før")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = backup_create(options["archive"], using=options["database"], force=options["force"])
        except BackupError as error:
            raise CommandError(f"Sikkerhetskopien ble ikke tatt: {error}") from error
        database = manifest["database"]
        files = manifest["files"]
        self.stdout.write(
            self.style.SUCCESS(
                f"Sikkerhetskopi skrevet til {options['archive']}: databasen ({database['vendor']}, "
                f"{_size(database['size'])}) og {len(files)} filer ({_size(sum(f['size'] for f in files))})."
            )
        )


def _size(count: int) -> str:
    return f"{count / (1024 * 1024):.1f} MB"
