import hashlib
import secrets
from typing import Any, Self

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.functional import cached_property

from .roles import ADVISER, PROGRAMME_LEADER


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, email: str | None) -> "User":
        # E-mail addresses are compared without regard to case, as people type them.
        return self.get(email__iexact=email)

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> "User":
        if not email:
            raise ValueError("E-postadresse må oppgis.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("e-post", unique=True)
    full_name = models.CharField("fullt navn", max_length=200)
    phone = models.CharField("telefon", max_length=40, blank=True)
    is_active = models.BooleanField("aktiv", default=True)
    is_staff = models.BooleanField(
        "tilgang til administrasjonen",
        default=False,
        help_text="Programleder og veiledere trenger dette for å bruke administrasjonen.",
    )
    date_joined = models.DateTimeField("registrert", default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = "bruker"
        verbose_name_plural = "brukere"
        ordering = ["full_name"]
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @cached_property
    def _staff_role_names(self) -> set[str]:
        # One query per request object, however many times the role is asked for.
        return set(self.groups.filter(name__in=(PROGRAMME_LEADER, ADVISER)).values_list("name", flat=True))

    @property
    def is_programme_leader(self) -> bool:
        return self.is_active and (self.is_superuser or PROGRAMME_LEADER in self._staff_role_names)

    @property
    def is_adviser(self) -> bool:
        return self.is_active and ADVISER in self._staff_role_names

    @property
    def needs_second_factor(self) -> bool:
        """Staff sign in with a one-time code after the password: anyone who reaches the admin, any superuser,
        and anyone in a staff role, since each reads every group they follow. Participants keep the password.

        The role is asked last: for participants it costs the role query, which every page with the menu makes
        anyway (and the answer is cached on the user)."""
        return self.is_staff or self.is_superuser or bool(self._staff_role_names)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def usable(self) -> Self:
        """Not used yet, not expired, and for a user who has not been deactivated."""
        return self.filter(accepted_at__isnull=True, expires_at__gt=timezone.now(), user__is_active=True)


class Invitation(models.Model):
    """A one-time link that lets an invited person set their password.

    Only the SHA-256 of the token is stored, so a copy of the database does not hand out logins.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations", verbose_name="bruker"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name="invitert av",
    )
    created_at = models.DateTimeField("sendt", auto_now_add=True)
    expires_at = models.DateTimeField("utløper")
    accepted_at = models.DateTimeField("tatt i bruk", null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = "invitasjon"
        verbose_name_plural = "invitasjoner"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitasjon til {self.user}"

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """The log only grows: a bulk change or deletion through the ORM is refused outright, so that no code
    path (a careless admin action, a shell one-liner, a data migration) rewrites the record. Deleting a
    user still works: Django's collector sets `actor` to NULL through the base manager, not through this
    queryset, and the database trigger (migration 0005) allows exactly that change on PostgreSQL."""

    def update(self, **kwargs: Any) -> int:
        raise PermissionError("Logghendelser kan ikke endres.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("Logghendelser kan ikke slettes.")


class AuditEvent(models.Model):
    """One thing that happened, kept for the record: who, what, which object, when, from where.

    Written by `accounts.services.audit_log` only, and never changed or deleted afterwards (see
    AuditEventQuerySet, `save` and `delete` here, and the PostgreSQL trigger of migration 0005)."""

    created_at = models.DateTimeField("tidspunkt", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="hvem",
    )
    action = models.CharField("hendelse", max_length=60, db_index=True)
    object_type = models.CharField("objekttype", max_length=100, blank=True)
    object_id = models.CharField("objekt-id", max_length=64, blank=True)
    object_repr = models.CharField("objekt", max_length=200, blank=True)
    # The municipality group the event concerns, when it concerns one (its id only: accounts imports no
    # app, and the log must outlive the group). Lets the programme leader filter the log by group.
    group_id = models.BigIntegerField("kommunegruppe-id", null=True, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField("IP-adresse", null=True, blank=True)
    payload = models.JSONField("detaljer", default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = "logghendelse"
        verbose_name_plural = "logg"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        # Only «view»: permissions to add, change or delete log events do not exist, so no role can be
        # granted them, not even by mistake in the admin.
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("Logghendelser kan ikke endres.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("Logghendelser kan ikke slettes.")


class PasswordResetRequest(models.Model):
    """One «Glemt passord» request, waiting for the background job that e-mails the link.

    The request writes this row whatever address was typed, and the job finds out afterwards whether the
    address belongs to anyone: the response then takes the same time for an unknown address as for a
    real one, so its timing tells nobody which addresses exist. The rows also count the requests per
    address and per IP address for the throttling (accounts.services.password_reset_request)."""

    email = models.EmailField("e-post")
    ip_address = models.GenericIPAddressField("IP-adresse", null=True, blank=True)
    requested_at = models.DateTimeField("tidspunkt", default=timezone.now)
    handled_at = models.DateTimeField("behandlet", null=True, blank=True)

    class Meta:
        verbose_name = "forespørsel om nytt passord"
        verbose_name_plural = "forespørsler om nytt passord"
        indexes = [
            models.Index(fields=["email", "requested_at"]),
            models.Index(fields=["ip_address", "requested_at"]),
            models.Index(fields=["handled_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.email} {self.requested_at:%Y-%m-%d %H:%M}"
