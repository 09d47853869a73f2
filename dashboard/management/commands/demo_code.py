"""Prints the current one-time code of the demo's staff (seed_demo's published demo key), for trying the demo
without an authenticator app: what the app would show, computed from the same key."""

import time
from base64 import b32decode
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from .seed_demo import DEMO_TOTP_DEVICE_NAME, DEMO_TOTP_SECRET, STAFF


class Command(BaseCommand):
    help = "Skriver ut gjeldende engangskode for demoens programleder og veiledere (nøkkelen fra seed_demo)."

    def handle(self, *args: Any, **options: Any) -> None:
        key = b32decode(DEMO_TOTP_SECRET)
        # Only the demo users' own demo devices, and only while they hold the published key: a real app's key
        # is never read here.
        devices = TOTPDevice.objects.filter(
            user__email__in=[email for email, *_ in STAFF], name=DEMO_TOTP_DEVICE_NAME, key=key.hex(), confirmed=True
        )
        if not devices.exists():
            raise CommandError("Fant ingen demobrukere med demonøkkelen. Kjør `python manage.py seed_demo` først.")
        totp = TOTP(key)
        left = 30 - int(time.time()) % 30
        self.stdout.write(f"Engangskode: {totp.token():06d} (gjelder i {left} sekunder til).")
        self.stdout.write(
            "En kode virker én gang per bruker; vent på neste kode for å logge inn igjen som samme bruker."
        )
