from collections.abc import Iterable
from datetime import date
from typing import Any

import factory

from accounts.models import User
from portfolios.models import FoundationSection, PlanItem, Portfolio, Programme


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme
        django_get_or_create = ["key"]

    key = "veiledning"
    name = "Veiledningsordningen"
    long_name = "Veiledning i kulturskoleutvikling"
    group_rule = Programme.GroupRule.VEILEDNING
    contact_name = "Åste Selnæs Domaas"
    signatory_name = "Morten Christiansen"
    signatory_title = "Direktør Norsk kulturskoleråd"


class FremtidensProgrammeFactory(ProgrammeFactory):
    key = "fremtidens_kulturskole"
    name = "Fremtidens kulturskole"
    long_name = "Utviklingsprogram for Fremtidens kulturskole"
    group_rule = Programme.GroupRule.FREMTIDENS_KULTURSKOLE
    participation_fee = 20000
    fee_instalments = 3


class PortfolioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Portfolio
        skip_postgeneration_save = True

    programme = factory.SubFactory(ProgrammeFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda o: f"Portefølje {o.number}, 2026–27")
    agreement_start = date(2026, 1, 1)
    agreement_end = date(2027, 6, 20)
    status = Portfolio.Status.ACTIVE

    @factory.post_generation
    def advisers(obj: Portfolio, create: bool, extracted: Iterable[User] | None, **kwargs: Any) -> None:
        if create and extracted:
            obj.advisers.set(extracted)


class FoundationSectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FoundationSection

    portfolio = factory.SubFactory(PortfolioFactory)
    order = factory.Sequence(int)
    heading = "Formål"
    text = "Formålet med veiledningen er å bistå kulturskoleeier og kulturskolen."


class PlanItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanItem

    portfolio = factory.SubFactory(PortfolioFactory)
    order = factory.Sequence(int)
    number = "1"
    title = "Veiledningsmøte, kontraktsmøte"
    kind = PlanItem.Kind.MEETING
    when_text = "Februar 2026"
    week_from = date(2026, 2, 2)  # ISO week 6
    week_to = date(2026, 2, 9)  # ISO week 7
