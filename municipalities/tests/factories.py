from collections.abc import Iterable
from datetime import datetime, time
from typing import Any

import factory
from django.utils import timezone

from accounts.tests.factories import AdviserFactory, UserFactory
from municipalities.models import Membership, Municipality, MunicipalityGroup, Role
from portfolios.tests.factories import PortfolioFactory


def municipality(number: str) -> Municipality:
    """One of the 357 municipalities the data migration loaded, e.g. municipality("1804") for Bodø."""
    return Municipality.objects.get(number=number)


class MunicipalityGroupFactory(factory.django.DjangoModelFactory):
    """A group in an active portfolio, advised by one of that portfolio's advisers.

    Pass `municipalities=[...]` to choose them; by default the group gets Bodø.
    """

    class Meta:
        model = MunicipalityGroup
        skip_postgeneration_save = True

    portfolio = factory.SubFactory(PortfolioFactory)
    adviser = factory.SubFactory(AdviserFactory)
    status = MunicipalityGroup.Status.ACTIVE

    @factory.post_generation
    def municipalities(
        obj: MunicipalityGroup, create: bool, extracted: Iterable[Municipality] | None, **kwargs: Any
    ) -> None:
        if create:
            obj.municipalities.set(extracted if extracted is not None else [municipality("1804")])
            if obj.adviser is not None:
                obj.portfolio.advisers.add(obj.adviser)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    group = factory.SubFactory(MunicipalityGroupFactory)
    role = Role.LEADER
    started_on = factory.LazyFunction(timezone.localdate)
    # A membership that started before today was added then, not now (membership_delete_allowed).
    created_at = factory.LazyAttribute(
        lambda m: (
            timezone.now()
            if m.started_on >= timezone.localdate()
            else timezone.make_aware(datetime.combine(m.started_on, time(12)))
        )
    )
