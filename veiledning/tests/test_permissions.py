"""Every URL of the portal × every persona, with the status each must get (pretix's permission matrix).

Out of reach is always 404, never 403, so that nothing leaks about what exists."""

import re

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from accounts.tests.factories import ProgrammeLeaderFactory
from municipalities.tests.factories import MembershipFactory, MunicipalityGroupFactory, municipality
from portfolios.tests.factories import FoundationSectionFactory, PlanItemFactory

PERSONAS = ["anonymous", "member_a", "member_b", "adviser_a", "adviser_b", "leader"]


@pytest.fixture
def world(db):
    group_a = MunicipalityGroupFactory(municipalities=[municipality("1804")])
    group_b = MunicipalityGroupFactory(municipalities=[municipality("5612")])
    for group in (group_a, group_b):
        PlanItemFactory(portfolio=group.portfolio)
        FoundationSectionFactory(portfolio=group.portfolio)
    return {
        "group_a": group_a,
        "group_b": group_b,
        "anonymous": None,
        "member_a": MembershipFactory(group=group_a).user,
        "member_b": MembershipFactory(group=group_b).user,
        "adviser_a": group_a.adviser,
        "adviser_b": group_b.adviser,
        "leader": ProgrammeLeaderFactory(),
    }


# url name, kwargs built from the world, expected status per persona (in PERSONAS order).
# 302 for anonymous is the redirect to the login page.
MATRIX = [
    ("home", {}, [302, 302, 302, 302, 302, 302]),
    ("portfolio_list", {}, [302, 404, 404, 404, 404, 200]),
    ("portfolio_detail", {"pk": "group_a.portfolio.pk"}, [302, 200, 404, 200, 404, 200]),
    ("portfolios:foundation_document", {"pk": "group_a.portfolio.pk"}, [302, 200, 404, 200, 404, 200]),
    ("my_groups", {}, [302, 404, 404, 200, 200, 200]),
    ("municipalities:group_detail", {"pk": "group_a.pk"}, [302, 200, 404, 200, 404, 200]),
    ("municipalities:group_detail", {"pk": "group_b.pk"}, [302, 404, 200, 404, 200, 200]),
    ("portfolio_detail", {"pk": "group_b.portfolio.pk"}, [302, 404, 200, 404, 200, 200]),
    ("portfolios:foundation_document", {"pk": "group_b.portfolio.pk"}, [302, 404, 200, 404, 200, 200]),
    ("accounts:login", {}, [200, 302, 302, 302, 302, 302]),
    ("accounts:password_reset", {}, [200, 200, 200, 200, 200, 200]),
    ("accounts:invitation_accept", {"token": "ukjent"}, [410, 410, 410, 410, 410, 410]),
    # The admin is Django's: staff without the permission get its 403, everyone else its login page.
    ("admin:index", {}, [302, 302, 302, 200, 200, 200]),
    ("admin:portfolios_portfolio_changelist", {}, [302, 302, 302, 200, 200, 200]),
    ("admin:municipalities_municipalitygroup_changelist", {}, [302, 302, 302, 403, 403, 200]),
    ("admin:municipalities_municipalitygroup_change", {"object_id": "group_a.pk"}, [302, 302, 302, 403, 403, 200]),
    ("admin:municipalities_membership_changelist", {}, [302, 302, 302, 403, 403, 200]),
    ("admin:accounts_user_changelist", {}, [302, 302, 302, 403, 403, 200]),
    ("admin:accounts_auditevent_changelist", {}, [302, 302, 302, 403, 403, 200]),
    # Our own admin view answers 404 to staff without the permission, like the portal.
    ("admin:municipalities_municipalitygroup_invite", {"pk": "group_a.pk"}, [302, 302, 302, 404, 404, 200]),
]


def _resolve(world, expr):
    if "." not in expr:
        return expr
    name, attr_path = expr.split(".", 1)
    value = world[name]
    for attr in attr_path.split("."):
        value = getattr(value, attr)
    return value


@pytest.mark.parametrize(("url_name", "kwargs", "expected"), MATRIX, ids=[f"{m[0]}{m[1]}" for m in MATRIX])
@pytest.mark.parametrize("persona", PERSONAS)
def test_permission_matrix(client, world, url_name, kwargs, expected, persona):
    url = reverse(url_name, kwargs={k: _resolve(world, v) for k, v in kwargs.items()})
    if world[persona] is not None:
        client.force_login(world[persona])
    response = client.get(url)
    assert response.status_code == expected[PERSONAS.index(persona)], f"{persona} on {url}"
    if response.status_code == 302 and persona == "anonymous":
        assert "logg-inn" in response["Location"] or "/admin/login/" in response["Location"]


def test_an_unknown_group_is_the_same_404_as_someone_elses(client, world):
    client.force_login(world["member_a"])
    missing = client.get(reverse("municipalities:group_detail", kwargs={"pk": 999999}))
    hidden = client.get(world["group_b"].get_absolute_url())
    assert missing.status_code == hidden.status_code == 404

    def without_csrf_token(response):
        return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", response.content)

    assert without_csrf_token(missing) == without_csrf_token(hidden)


def test_a_refused_access_is_written_to_the_audit_log(client, world):
    client.force_login(world["member_a"])
    client.get(world["group_b"].get_absolute_url(), REMOTE_ADDR="10.1.2.3")
    event = AuditEvent.objects.get(action="access.refused")
    assert event.actor == world["member_a"]
    assert event.ip_address == "10.1.2.3"
    assert event.payload == {
        "path": world["group_b"].get_absolute_url(),
        "object_type": "municipalities.municipalitygroup",
        "object_id": str(world["group_b"].pk),
    }


@pytest.mark.parametrize(
    ("persona", "landing"),
    [("leader", "/portefoljer/"), ("adviser_a", "/mine-kommunegrupper/"), ("member_a", "group_a")],
)
def test_each_person_lands_where_their_work_is(client, world, persona, landing):
    client.force_login(world[persona])
    response = client.get("/")
    expected = world["group_a"].get_absolute_url() if landing == "group_a" else landing
    assert response["Location"] == expected


def test_a_page_refused_as_a_whole_is_logged_too(client, world):
    client.force_login(world["adviser_a"])
    assert client.get(reverse("portfolio_list")).status_code == 404
    event = AuditEvent.objects.get(action="access.refused")
    assert (event.actor, event.payload["path"]) == (world["adviser_a"], reverse("portfolio_list"))
