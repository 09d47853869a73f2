"""The call in the admin: the programme leader sets it up, in Norwegian, starting from the programme's
criteria and the standard letters; advisers cannot open it."""

import pytest

from accounts.tests.factories import AdviserFactory, ProgrammeLeaderFactory
from core.testing.admin import admin_form_data
from portfolios.tests.factories import FremtidensProgrammeFactory, PortfolioFactory

from ..models import Call
from ..texts import LETTER_DECLINED
from .factories import CallFactory, CriterionFactory

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
