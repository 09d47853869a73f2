"""The demo's membership history and continuations (issue 16): a member who left with a replacement in the
same role, a role change, and how the completed groups go on. Safe to run again."""

from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import User

from .models import Continuation, Membership, MembershipChange, MunicipalityGroup, Role

# (group name, how it goes on, the note): the completed groups of the demo's past portfolios.
CONTINUATIONS = [
    ("Lillehammer", Continuation.NETWORK, "Med i kulturskolenettverket i Innlandet, som møtes to ganger i året."),
    ("Kárášjohka", Continuation.SHARING_ARENA, "Deler arbeidet med samisk kulturarv i Delingsarena."),
    ("Snåase", Continuation.OWN, "Kommunegruppen møtes hvert halvår og reviderer utviklingsplanen."),
    ("Steinkjer", Continuation.NETWORK, "Fortsetter i det regionale nettverket i Trøndelag."),
]


def seed(*, current: MunicipalityGroup | None, leader: User) -> None:
    """Bodø's first resource teacher left and Jørgen Å. Nilsen took over; in Fauske og Saltdal Eirin
    Skjærvø came in as «annen deltaker» and became the resource teacher. Then the continuations."""
    today = timezone.localdate()
    if current is not None:
        start = current.portfolio.agreement_start
        left_on = max(start, min(today - timedelta(days=60), start + timedelta(days=120)))
        # Everyone of the portfolio's demo groups has been with it from the start, but for the replacement.
        Membership.objects.filter(group__portfolio=current.portfolio, started_on__gt=start).exclude(
            user__email="laerer.bodo@example.org"
        ).update(started_on=start)
        former, _ = User.objects.get_or_create(
            email="tidligere.laerer.bodo@example.org",
            defaults={"full_name": "Sigrid Ågotnes", "password": make_password(None)},
        )
        Membership.objects.get_or_create(
            user=former,
            group=current,
            defaults={
                "role": Role.RESOURCE_TEACHER,
                "municipality": current.municipalities.first(),
                "started_on": start,
                "ended_on": left_on,
            },
        )
        Membership.objects.filter(group=current, user__email="laerer.bodo@example.org").update(started_on=left_on)
        teacher = Membership.objects.filter(
            group__portfolio=current.portfolio, group__name="Fauske og Saltdal", user__email="laerer.fauske@example.org"
        ).first()
        if teacher is not None and not teacher.changes.exists():
            MembershipChange.objects.create(
                membership=teacher,
                old_role=Role.OTHER,
                new_role=teacher.role,
                changed_on=max(start, min(today, start + timedelta(days=90))),
                changed_by=leader,
            )
    now = timezone.now()
    for name, continuation, note in CONTINUATIONS:
        MunicipalityGroup.objects.filter(name=name, status=MunicipalityGroup.Status.COMPLETED, continuation="").update(
            continuation=continuation, continuation_note=note, continuation_recorded_at=now
        )
