"""The call in the admin: the programme leader sets it up, in Norwegian, starting from the programme's
criteria and the standard letters; advisers cannot open it."""

import pytest
from django.db.models import ProtectedError

from accounts.tests.factories import AdviserFactory, ProgrammeLeaderFactory
from core.testing.admin import admin_form_data
from portfolios.tests.factories import FremtidensProgrammeFactory, PortfolioFactory

from ..models import ApplicationAnswer, Call, CallQuestion, Criterion, CriterionCheck
from ..texts import LETTER_DECLINED
from .factories import CallFactory, CriterionFactory, QuestionFactory, SubmittedApplicationFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/applications/call/"


def test_a_new_call_starts_from_the_programmes_criteria_and_the_standard_letters(client):
    portfolio = PortfolioFactory(programme=FremtidensProgrammeFactory())
    client.force_login(ProgrammeLeaderFactory())
    page = client.get(f"{CHANGELIST}add/")
    assert "Brev ved avgjørelse" in page.content.decode()
    data = admin_form_data(page)
    assert data["letter_declined"] == LETTER_DECLINED
    data.update(
        {
            "portfolio": portfolio.pk,
            "title": "Søk om plass i Fremtidens kulturskole",
            "opens_at_0": "01.02.2027",
            "opens_at_1": "09:00",
            "closes_at_0": "01.03.2027",
            "closes_at_1": "12:00",
            "retention_days": "90",
        }
    )

    response = client.post(f"{CHANGELIST}add/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    call = Call.objects.get()
    texts = list(call.criteria.values_list("text", flat=True))
    assert len(texts) == 4
    assert "utviklingsområde vedtatt av sin fylkesavdeling" in texts[1]


def test_a_call_closing_before_it_opens_is_refused(client):
    call = CallFactory()
    client.force_login(ProgrammeLeaderFactory())
    data = admin_form_data(client.get(f"{CHANGELIST}{call.pk}/change/"))
    data.update(
        {"opens_at_0": "01.03.2027", "opens_at_1": "12:00", "closes_at_0": "01.02.2027", "closes_at_1": "12:00"}
    )

    response = client.post(f"{CHANGELIST}{call.pk}/change/", data)

    assert response.status_code == 200
    assert "Søknadsfristen må være etter at utlysningen åpner." in response.content.decode()


def test_the_list_costs_the_same_queries_for_one_call_and_many(client, django_assert_max_num_queries):
    client.force_login(ProgrammeLeaderFactory())
    CriterionFactory()
    with django_assert_max_num_queries(20) as one:
        client.get(CHANGELIST)
    for _ in range(5):
        CallFactory()
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(CHANGELIST)


def test_an_adviser_cannot_open_the_call_admin(client):
    call = CallFactory()
    client.force_login(AdviserFactory())
    assert client.get(f"{CHANGELIST}{call.pk}/change/").status_code in (302, 403)


def test_the_pdfs_list_runs_the_same_queries_for_2_and_8_pdfs(client, django_assert_num_queries):
    from django.utils import timezone

    from ..models import ApplicationPdf
    from .factories import SubmittedApplicationFactory

    def failed(count):
        for _ in range(count):
            ApplicationPdf.objects.create(application=SubmittedApplicationFactory(), failed_at=timezone.now())

    client.force_login(ProgrammeLeaderFactory())
    url = "/admin/applications/applicationpdf/?pdf=failed"
    failed(2)
    client.get(url)  # the content types and the like, cached once per process
    # session, user, second-factor device, the leader's permissions (user's, groups'), the filtered count, the
    # whole count, the PDFs with their applications and calls, the applications' municipalities (9).
    with django_assert_num_queries(9):
        assert len(client.get(url).context["cl"].result_list) == 2
    failed(6)
    with django_assert_num_queries(9):
        assert len(client.get(url).context["cl"].result_list) == 8


# The split date and time widgets, which admin_form_data leaves out.
DATES = {"opens_at_0": "01.11.2026", "opens_at_1": "09:00", "closes_at_0": "01.03.2027", "closes_at_1": "12:00"}


def _prefixes(page):
    return {inline.formset.model: inline.formset.prefix for inline in page.context["inline_admin_formsets"]}


def test_once_a_call_has_applications_its_questions_and_criteria_cannot_be_reworded_or_deleted(client):
    call = CallFactory()
    criterion = CriterionFactory(call=call, text="Kommunen har en vedtatt plan.")
    question = QuestionFactory(call=call, text="Hva ønsker dere å oppnå?")
    application = SubmittedApplicationFactory(call=call)
    ApplicationAnswer.objects.create(application=application, question=question, text="Flere elever.")
    client.force_login(ProgrammeLeaderFactory())
    url = f"{CHANGELIST}{call.pk}/change/"

    page = client.get(url)
    content = page.content.decode()
    assert "Søkerne har svart på disse spørsmålene." in content
    assert "søknadene vurderes etter disse kriteriene" in content
    prefixes = _prefixes(page)
    data = admin_form_data(page)
    assert f"{prefixes[CallQuestion]}-0-text" not in data  # read-only: shown, not sent
    assert f"{prefixes[CallQuestion]}-0-DELETE" not in data
    data.update(DATES)
    # A hand-made POST deleting and rewording both is not obeyed.
    for model in (CallQuestion, Criterion):
        data[f"{prefixes[model]}-0-DELETE"] = "on"
        data[f"{prefixes[model]}-0-text"] = "Noe helt annet"

    response = client.post(url, data)

    assert response.status_code == 302
    question.refresh_from_db()
    criterion.refresh_from_db()
    assert question.text == "Hva ønsker dere å oppnå?"
    assert criterion.text == "Kommunen har en vedtatt plan."
    assert application.answers.get().question == question


def test_a_call_without_applications_has_questions_that_can_still_be_deleted(client):
    call = CallFactory()
    question = QuestionFactory(call=call)
    client.force_login(ProgrammeLeaderFactory())
    url = f"{CHANGELIST}{call.pk}/change/"
    page = client.get(url)
    assert "Søkerne har svart" not in page.content.decode()
    data = admin_form_data(page)
    data[f"{_prefixes(page)[CallQuestion]}-0-DELETE"] = "on"
    data.update(DATES)

    assert client.post(url, data).status_code == 302
    assert not CallQuestion.objects.filter(pk=question.pk).exists()


def test_a_question_answered_or_a_criterion_judged_cannot_be_deleted_from_under_the_application():
    application = SubmittedApplicationFactory()
    question = QuestionFactory(call=application.call)
    criterion = CriterionFactory(call=application.call)
    ApplicationAnswer.objects.create(application=application, question=question, text="Svar")
    CriterionCheck.objects.create(application=application, criterion=criterion, met=True)
    with pytest.raises(ProtectedError):
        question.delete()
    with pytest.raises(ProtectedError):
        criterion.delete()
