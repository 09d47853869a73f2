from datetime import timedelta

import factory
from django.utils import timezone

from municipalities.tests.factories import MunicipalityGroupFactory

from ..models import Comment, DevelopmentPlan, Goal, Level, Measure


class DevelopmentPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DevelopmentPlan

    group = factory.SubFactory(MunicipalityGroupFactory)
    needs = "Få elever fra ungdomstrinnet, og lærerne samarbeider lite om undervisningen."
    knowledge_base = "Elevtallsstatistikk (GSI), egen foreldreundersøkelse og personalmøte om rammeplanen."
    opportunities = "Samarbeid med grunnskolene og kulturhuset."
    overall_goal = "Kulturskolen er et tilbud for alle barn og unge i kommunen."


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    plan = factory.SubFactory(DevelopmentPlanFactory)
    order = factory.Sequence(lambda n: n + 1)
    level = Level.LEADER
    title = factory.Sequence(lambda n: f"Lærerne deler erfaringer i profesjonelle læringsfellesskap ({n})")
    success_criteria = "Alle lærere har deltatt i minst tre fagmøter i året."


class MeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measure

    goal = factory.SubFactory(GoalFactory)
    order = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Fagmøte for lærerne hver sjette uke ({n})")
    # Running now, so that a measure is overdue only where a test makes it so.
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=90))
    status = Measure.Status.PLANNED


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    plan = factory.SubFactory(DevelopmentPlanFactory)
    author = factory.SelfAttribute("plan.group.adviser")
    text = "Fint at målene er knyttet til rammeplanen."
