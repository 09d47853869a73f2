from datetime import timedelta

import factory
from django.utils import timezone

from meetings.models import Meeting, MeetingNote, Task
from municipalities.tests.factories import MunicipalityGroupFactory


def in_days(days, hour=10):
    """An aware datetime `days` from now at `hour` o'clock, Norwegian time."""
    return timezone.localtime().replace(hour=hour, minute=0, second=0, microsecond=0) + timedelta(days=days)


class MeetingFactory(factory.django.DjangoModelFactory):
    """A confirmed guidance meeting of a group in ten days, 10–12."""

    class Meta:
        model = Meeting

    group = factory.SubFactory(MunicipalityGroupFactory)
    portfolio = factory.LazyAttribute(lambda o: o.group.portfolio)
    title = "Veiledningsmøte"
    kind = Meeting.Kind.GUIDANCE
    status = Meeting.Status.CONFIRMED
    starts_at = factory.LazyFunction(lambda: in_days(10))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    format = Meeting.Format.DIGITAL
    link = "https://meet.example.org/veiledning"


class MeetingNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MeetingNote

    meeting = factory.SubFactory(MeetingFactory, starts_at=factory.LazyFunction(lambda: in_days(-5)))
    author = factory.LazyAttribute(lambda o: o.meeting.group.adviser)
    summary = "Vi gikk gjennom kunnskapsgrunnlaget."
    agreements = "Kommunegruppen lager en møteplan for høsten."
    staff_note = "Lederen virker presset mellom eier og lærere."
    status = MeetingNote.Status.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    note = factory.SubFactory(MeetingNoteFactory)
    text = "Invitere lærerne til personalmøte om utviklingsplanen"
    due_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=14))


def schedule_data(**overrides):
    """The adviser's form for a meeting's date, time and place, filled in, for a POST; `overrides` per test."""
    return {
        "day": in_days(14).date().isoformat(),
        "start": "10:00",
        "end": "12:00",
        "format": "physical",
        "place": "Stormen kulturhus, møterom 3",
        "link": "",
        "agenda": "1. Kunnskapsgrunnlaget\n2. Møteplan for våren",
    } | overrides
