"""Municipalities with two official names, a Sami (or Kven) one and a Norwegian one (issue 12): found by
either name, and shown by both, «Aarborte (Hattfjelldal)», as the group page already shows them."""

import csv
import json

import pytest
from django.conf import settings
from django.db.models import F
from django.urls import reverse

from accounts.tests.factories import ProgrammeLeaderFactory
from municipalities.models import Municipality
from municipalities.tests.factories import MunicipalityGroupFactory, municipality

pytestmark = pytest.mark.django_db

# The source data the portal loads (municipalities/data, copied from the shared data set).
CSV = settings.BASE_DIR / "municipalities" / "data" / "kommuner-2024.csv"


def two_named():
    with CSV.open(encoding="utf-8", newline="") as f:
        return [row for row in csv.DictReader(f) if row["kommunenavn"] != row["kommunenavn_norsk"]]


def autocomplete(client, term, model_name="municipalitygroup", field_name="municipalities"):
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "municipalities", "model_name": model_name, "field_name": field_name, "term": term},
    )
    assert response.status_code == 200
    return [result["text"] for result in json.loads(response.content)["results"]]


def test_every_municipality_with_two_names_is_loaded_with_both():
    rows = two_named()
    assert len(rows) == 12
    loaded = dict(Municipality.objects.exclude(norwegian_name=F("name")).values_list("number", "norwegian_name"))
    assert loaded == {row["kommunenummer"]: row["kommunenavn_norsk"] for row in rows}


def test_the_group_forms_autocomplete_finds_each_by_its_norwegian_name_and_shows_both(client):
    client.force_login(ProgrammeLeaderFactory())
    for row in two_named():
        both = f"{row['kommunenavn']} ({row['kommunenavn_norsk']})"
        assert autocomplete(client, row["kommunenavn_norsk"].lower()) == [both]
        assert autocomplete(client, row["kommunenavn"]) == [both]
    # The members' inline picks a municipality the same way.
    assert autocomplete(client, "Hattfjelldal", "membership", "municipality") == ["Aarborte (Hattfjelldal)"]


def test_a_municipality_with_one_name_is_shown_by_it(client):
    client.force_login(ProgrammeLeaderFactory())
    assert autocomplete(client, "Bodø") == ["Bodø"]


def test_the_invite_form_names_the_municipality_by_both_names(client):
    client.force_login(ProgrammeLeaderFactory())
    group = MunicipalityGroupFactory(municipalities=[municipality("1826"), municipality("1804")])
    page = client.get(reverse("admin:municipalities_municipalitygroup_invite", args=[group.pk])).content.decode()
    assert f'<option value="{municipality("1826").pk}">Aarborte (Hattfjelldal)</option>' in page
    assert f'<option value="{municipality("1804").pk}">Bodø</option>' in page


def test_the_group_list_finds_a_group_by_its_municipalitys_norwegian_name(client):
    client.force_login(ProgrammeLeaderFactory())
    group = MunicipalityGroupFactory(municipalities=[municipality("1826")])
    response = client.get(reverse("admin:municipalities_municipalitygroup_changelist"), {"q": "Hattfjelldal"})
    assert list(response.context["cl"].result_list) == [group]
