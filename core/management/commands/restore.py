from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from core.backup import BackupError, restore_archive


class Command(BaseCommand):
    help = (
        "Gjenoppretter databasen og de private filene fra et arkiv som `backup` har skrevet, til en tom database "
        "(nettopp laget, uten tabeller) og et tomt privat lager. Arkivet kontrolleres mot manifestet før noe "
        "skrives, og hver fil leses tilbake fra lageret etterpå. Kjør deretter `migrate` og `verify_documents`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="arkivet som skal gjenopprettes")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="databasen i DATABASES (standard: default)")
        parser.add_argument(
            "--force",
            action="store_true",
            help="gjenopprett også over en database eller et lager som ikke er tomt (erstatter det arkivet har)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = restore_archive(options["archive"], using=options["database"], force=options["force"])
        except BackupError as error:
            raise CommandError(f"Gjenopprettingen ble ikke fullført: {error}") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Gjenopprettet databasen ({manifest['database']['vendor']}, tatt {manifest['created_at']}) og "
                f"{len(manifest['files'])} filer fra {options['archive']}; alle filene stemmer med manifestet. "
                "Kjør nå `manage.py migrate` og `manage.py verify_documents`."
            )
        )
