from datetime import timedelta

import factory
from django.utils import timezone

from municipalities.models import Membership
from municipalities.tests.factories import MembershipFactory
from portfolios.tests.factories import PortfolioFactory
from surveys.models import Category, Invitation, Item, Page, Question, Survey, level_for_role
from surveys.services import (
    _answers_from,
    record_submission,
    reports_render_due,
    response_for,
    survey_create_from_spec,
)


class SurveyFactory(factory.django.DjangoModelFactory):
    """An open survey (opened yesterday, closes in two weeks) asking owners, leaders and teachers."""

    class Meta:
        model = Survey

    portfolio = factory.SubFactory(PortfolioFactory)
    title = "Evaluering av veiledningsordningen"
    introduction = "Svarene brukes til å forbedre ordningen."
    opens_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))
    anonymous = True
    roles = factory.LazyFunction(lambda: ["owner_political", "owner_administrative", "leader", "resource_teacher"])


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    survey = factory.SubFactory(SurveyFactory)
    name = factory.Sequence(lambda n: f"Kategori {n}")


class PageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Page

    survey = factory.SubFactory(SurveyFactory)
    order = factory.Sequence(int)
    title = "Forventninger"


class QuestionFactory(factory.django.DjangoModelFactory):
    """A required 1–6 scale question."""

    class Meta:
        model = Question

    page = factory.SubFactory(PageFactory)
    survey = factory.LazyAttribute(lambda o: o.page.survey)
    order = factory.Sequence(int)
    key = factory.Sequence(lambda n: f"sporsmal_{n}")
    kind = Question.Kind.SCALE
    text = "I hvilken grad har veiledningsarbeidet vært forankret i kommunen?"
    required = True


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item

    question = factory.SubFactory(QuestionFactory)
    order = factory.Sequence(int)
    label = factory.Sequence(lambda n: f"Alternativ {n}")


def evaluation_survey(portfolio, *, anonymous=True, open_now=True):
    """The seeded evaluation survey for `portfolio`, open now (or closed yesterday)."""
    now = timezone.now()
    if open_now:
        opens, closes = now - timedelta(days=1), now + timedelta(days=14)
    else:
        opens, closes = now - timedelta(days=30), now - timedelta(days=1)
    return survey_create_from_spec(portfolio=portfolio, opens_at=opens, closes_at=closes, anonymous=anonymous)


def invite(survey, *, group=None, role="leader", user=None):
    """An invitation for a (new) member of `group` in the survey's portfolio. Returns (invitation, token)."""
    kwargs = {"role": role}
    if group is not None:
        kwargs["group"] = group
    else:
        kwargs["group__portfolio"] = survey.portfolio
    if user is not None:
        kwargs["user"] = user
    existing = Membership.objects.filter(user=user, group=group).first() if user and group else None
    membership = existing or MembershipFactory(**kwargs)
    invitation = Invitation(
        survey=survey,
        user=membership.user,
        group=membership.group,
        role=membership.role,
        level=level_for_role(membership.role),
    )
    invitation.set_token()
    invitation.save()
    return invitation, invitation.token


def answer(invitation, values, *, submit=True):
    """Give `invitation` a response with `values` {question: form value} (the PageForm's cleaned data
    shape: "4" for a scale, {item: "5"} for a matrix, an item for a choice, a list for multiple, text)."""
    response = response_for(invitation)
    rows = []
    for question, value in values.items():
        name = f"q{question.pk}"
        if question.kind == Question.Kind.MATRIX:
            data = {f"{name}_i{item.pk}": v for item, v in value.items()}
        elif question.kind == Question.Kind.SINGLE:
            data = {name: str(value.pk)}
        elif question.kind == Question.Kind.MULTIPLE:
            data = {name: [str(i.pk) for i in value]}
        elif isinstance(value, tuple):  # (value, elaboration)
            data = {name: value[0], f"{name}_utdyp": value[1]}
        else:
            data = {name: value}
        rows.extend(_answers_from(question, data))
    for row in rows:
        row.response = response
    response.answers.model.objects.bulk_create(rows)
    if submit:
        # As a submit through the link leaves it (services.response_submit), without its checks.
        record_submission(response=response, invitation=invitation, now=timezone.now())
    return response


def made_pdf(client, survey):
    """The report's PDF as the programme leader gets it: «Lag PDF», the background job (run here), and the
    download of the stored file. `client` is logged in as the programme leader."""
    assert client.post(f"/sporreundersokelse/{survey.pk}/rapport/lag-pdf/").status_code == 302
    assert reports_render_due() >= 1
    return client.get(f"/sporreundersokelse/{survey.pk}/rapport.pdf")
