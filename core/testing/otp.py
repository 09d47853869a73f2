"""One-time codes for tests, computed from an authenticator's key as the person's app would (RFC 6238), so that
tests pass the second step of a staff login the real way instead of switching it off."""

import time
from base64 import b32decode
from typing import Any

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def code_for_secret(secret: str, *, step: int = 30, digits: int = 6) -> str:
    """The current code of the key `secret` as the set-up page shows it (base32, in groups of four)."""
    key = b32decode("".join(secret.split()).upper())
    return f"{TOTP(key, step=step, digits=digits).token():0{digits}d}"


def next_code(device: Any) -> str:
    """A code `device` (a django-otp TOTPDevice, read fresh from the database) accepts now.

    The device refuses a code of a time step it has already accepted (no replay), so a second login in the
    same 30 seconds takes the next step's code, which it accepts within its tolerance; a third waits for the
    step after."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    now = totp.t()
    while device.last_t + 1 > now + device.tolerance:
        time.sleep(device.step - (time.time() - device.t0) % device.step + 0.05)
        now = totp.t()
    totp.drift += max(0, device.last_t + 1 - now)
    return f"{totp.token():0{device.digits}d}"


def pass_second_factor(client: Client, user: Any) -> None:
    """Finish what `client.force_login(user)` began for a staff member: the session verified by their
    authenticator app (one is made if they have none), as the second step of the real login leaves it.

    For tests and benchmarks that skip the login pages, as force_login skips the password; a participant's
    session is left as it is (`user.needs_second_factor`, accounts.models.User)."""
    if not user.needs_second_factor:
        return
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    device = device or TOTPDevice.objects.create(user=user, name="Autentiseringsapp", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
