"""The programme leader's «Logg»: events in words, Oslo times, filters, pages of a fixed cost, and the export."""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.tests.factories import ProgrammeLeaderFactory, UserFactory
from municipalities.tests.factories import MunicipalityGroupFactory

pytestmark = pytest.mark.django_db

OSLO = ZoneInfo("Europe/Oslo")
URL = reverse("dashboard:audit_log")
EXPORT = reverse("dashboard:audit_log_export")


@pytest.fixture
def leader(client):
    leader = ProgrammeLeaderFactory(full_name="Liv Leder")
    client.force_login(leader)
    return leader


def _at(year, month, day, hour, minute):
    return datetime(year, month, day, hour, minute, tzinfo=OSLO)


def _make(action, when, **fields):
    return AuditEvent.objects.create(action=action, created_at=when, **fields)


def test_the_log_names_events_in_words_with_oslo_times(client, leader):
    kari = UserFactory(full_name="Kari Nordmann")
    # 08:15 UTC on a winter day is 09.15 in Oslo.
    _make("contract.signed", datetime(2026, 12, 1, 8, 15, tzinfo=ZoneInfo("UTC")), actor=kari, ip_address="10.1.1.1")
    html = client.get(URL).content.decode()
    assert "Kontrakt signert" in html
    # The code is an option's value in the filter, never the text of a row.
    assert ">contract.signed<" not in html
    assert "01.12.2026 kl. 09.15" in html
    assert "Kari Nordmann" in html and "10.1.1.1" in html


def test_the_log_filters_by_person_group_kind_and_date(client, leader):
    kari, per = UserFactory(full_name="Kari Nordmann"), UserFactory(full_name="Per Hansen")
    group, other = MunicipalityGroupFactory(name="Saltengruppa"), MunicipalityGroupFactory(name="Finnmarksgruppa")
    _make("contract.signed", _at(2026, 3, 2, 10, 0), actor=kari, group_id=group.pk, object_repr="Kontrakt Bodø")
    _make("auth.login", _at(2026, 3, 3, 10, 0), actor=kari, object_repr="innlogging-kari")
    _make("contract.signed", _at(2026, 3, 4, 23, 30), actor=per, group_id=other.pk, object_repr="Kontrakt Alta")
    _make("auth.login_failed", _at(2026, 3, 5, 10, 0), payload={"username": "kari@angriper.example"})

    def shown(**params):
        html = client.get(URL, params).content.decode()
        return {name for name in ("Kontrakt Bodø", "innlogging-kari", "Kontrakt Alta", "kari@angriper") if name in html}

    assert shown(person="kari") == {"Kontrakt Bodø", "innlogging-kari", "kari@angriper"}
    assert shown(group=group.pk) == {"Kontrakt Bodø"}
    assert shown(kind="contracts") == {"Kontrakt Bodø", "Kontrakt Alta"}
    assert shown(kind="auth.login_failed") == {"kari@angriper"}
    # Whole days in Oslo: 23.30 on 4 March is still the 4th.
    assert shown(date_from="2026-03-03", date_to="2026-03-04") == {"innlogging-kari", "Kontrakt Alta"}
    assert "Saltengruppa" in client.get(URL, {"group": group.pk}).content.decode()


def test_a_wrong_filter_gets_a_norwegian_message_and_keeps_what_was_typed(client, leader):
    html = client.get(URL, {"person": "kari", "date_from": "2026-03-05", "date_to": "2026-03-01"}).content.decode()
    assert "Til-datoen kan ikke være før fra-datoen." in html
    assert 'value="kari"' in html


@pytest.mark.parametrize("events", [3, 120])
def test_a_page_of_the_log_costs_the_same_queries_however_many_events(
    client, leader, django_assert_num_queries, events
):
    for number in range(events):
        _make(
            "auth.login",
            _at(2026, 1, 1, 12, 0),
            actor=leader,
            group_id=MunicipalityGroupFactory().pk if number < 3 else None,
        )
    # session, user, the session's authenticator (django-otp), staff roles, groups, their municipalities, count,
    # the page's events with their actors
    with django_assert_num_queries(8):
        response = client.get(URL, {"side": 2 if events > 50 else 1})
    assert response.status_code == 200


def test_the_export_is_oslo_time_formula_safe_and_itself_logged(client, leader):
    _make(
        "auth.login_failed",
        datetime(2026, 6, 1, 10, 0, tzinfo=ZoneInfo("UTC")),
        ip_address="10.2.2.2",
        payload={"username": '=HYPERLINK("http://x")'},
    )
    response = client.get(EXPORT, {"kind": "auth"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="logg-')
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["Tidspunkt (norsk tid)", "Hendelse", "Kode"]
    failed = next(row for row in rows if row[2] == "auth.login_failed")
    # 10:00 UTC in June is 12.00 in Oslo; the typed «formula» is text.
    assert failed[0] == "01.06.2026 kl. 12.00"
    assert failed[1] == "Mislykket innlogging"
    assert failed[3] == '\'=HYPERLINK("http://x")'
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    exported = AuditEvent.objects.get(action="audit_log.exported")
    assert (exported.actor, exported.payload) == (leader, {"kind": "auth"})
