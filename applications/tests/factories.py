"""Factories for calls and applications, for this app's tests and the review and admission (issue 15 part 2)."""

from collections.abc import Iterable
from datetime import timedelta
from typing import Any, cast

import factory
from django.utils import timezone

from municipalities.models import Municipality, Role
from municipalities.tests.factories import municipality
from portfolios.tests.factories import PortfolioFactory

from ..models import (
    Application,
    ApplicationMunicipality,
    Call,
    CallQuestion,
    Contact,
    Criterion,
)
from ..texts import LETTER_ADMITTED, LETTER_DECLINED, LETTER_WAITING_LIST


class CallFactory(factory.django.DjangoModelFactory):
    """A call that opened yesterday and closes in four weeks, for a Veiledningsordningen portfolio."""

    class Meta:
        model = Call

    portfolio = factory.SubFactory(PortfolioFactory)
    title = factory.LazyAttribute(lambda o: f"Søk om plass i {o.portfolio.name}")
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=28))
    intro = "Kommuner som ønsker å utvikle kulturskolen, kan søke om å delta."
    letter_admitted = LETTER_ADMITTED
    letter_waiting_list = LETTER_WAITING_LIST
    letter_declined = LETTER_DECLINED


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    call = factory.SubFactory(CallFactory)
    order = factory.Sequence(int)
    text = "Søkeren ønsker å utvikle kulturskolen som skoleslag og kommunal ressurs."


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CallQuestion

    call = factory.SubFactory(CallFactory)
    order = factory.Sequence(int)
    text = "Hvor mange elever har kulturskolen i dag?"


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A confirmed draft from Bodø, with no contacts. Pass `municipalities=[...]` to choose them, and
    `status=...` with the times that state needs (the CHECK constraints ask for them), or use
    SubmittedApplicationFactory."""

    class Meta:
        model = Application
        skip_postgeneration_save = True

    call = factory.SubFactory(CallFactory)
    status = Application.Status.DRAFT
    applicant_name = "Kari Nordmann"
    applicant_email = factory.Sequence(lambda n: f"soker{n}@example.org")
    confirmed_at = factory.LazyFunction(timezone.now)
    needs = "Vi trenger hjelp til å forankre kulturskolen i kommunens planer."
    motivation = "Vi vil utvikle kulturskolen som skoleslag og kommunal ressurs."
    rammeplan = Application.Rammeplan.YES

    @classmethod
    def _create(cls, model_class: type[Application], *args: Any, **kwargs: Any) -> Application:
        application = model_class(*args, **kwargs)
        application.set_token()
        application.save()
        return application

    @factory.post_generation
    def municipalities(obj: Application, create: bool, extracted: Iterable[Municipality] | None, **kwargs: Any) -> None:
        if create:
            chosen = list(extracted) if extracted is not None else [municipality("1804")]
            ApplicationMunicipality.objects.bulk_create(
                ApplicationMunicipality(application=obj, municipality=m, order=i) for i, m in enumerate(chosen)
            )


class SubmittedApplicationFactory(ApplicationFactory):
    status = Application.Status.SUBMITTED
    submitted_at = factory.LazyFunction(timezone.now)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    application = factory.SubFactory(ApplicationFactory)
    order = factory.Sequence(int)
    name = factory.Sequence(lambda n: f"Kontakt {n}")
    role = Role.LEADER
    email = factory.Sequence(lambda n: f"kontakt{n}@example.org")
    phone = "+47 900 00 000"


def complete_veiledning_contacts(application: Application) -> list[Contact]:
    """The three people Veiledningsordningen needs (owner, leader, resource teacher), for the application's
    first municipality."""
    first = application.municipalities.first()
    roles = [Role.OWNER_ADMINISTRATIVE, Role.LEADER, Role.RESOURCE_TEACHER]
    return [cast(Contact, ContactFactory(application=application, role=role, municipality=first)) for role in roles]
