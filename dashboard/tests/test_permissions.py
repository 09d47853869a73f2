"""The permission matrix of the foundation's pages (see testing/permissions.py)."""

import re

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from testing.permissions import PERSONAS, check_access, matrix_ids

# url name, kwargs built from the world, expected status per persona (in PERSONAS order).
# 302 for anonymous is the redirect to the login page.
MATRIX = [
    # A former member lands on a page of their records (contracts, approved plans) instead of the group's.
    ("dashboard:home", {}, [302, 302, 302, 302, 302, 302, 200, 302, 200]),
    ("dashboard:portfolio_list", {}, [302, 404, 404, 404, 404, 200, 404, 302, 404]),
    ("dashboard:portfolio_detail", {"pk": "group_a.portfolio.pk"}, [302, 200, 404, 200, 404, 200, 404, 302, 404]),
    ("portfolios:foundation_document", {"pk": "group_a.portfolio.pk"}, [302, 200, 404, 200, 404, 200, 404, 302, 404]),
    ("dashboard:my_groups", {}, [302, 404, 404, 200, 200, 200, 404, 302, 404]),
    ("dashboard:group_detail", {"pk": "group_a.pk"}, [302, 200, 404, 200, 404, 200, 404, 302, 404]),
    ("dashboard:group_detail", {"pk": "group_b.pk"}, [302, 404, 200, 404, 200, 200, 404, 302, 404]),
    # «Inviter deltaker» in the portal: the group's own adviser (an «annen deltaker») and the programme leader.
    ("dashboard:group_invite", {"pk": "group_a.pk"}, [302, 404, 404, 200, 404, 200, 404, 302, 404]),
    ("dashboard:group_invite", {"pk": "group_b.pk"}, [302, 404, 404, 404, 200, 200, 404, 302, 404]),
    # The audit log and its export: the programme leader's alone.
    ("dashboard:audit_log", {}, [302, 404, 404, 404, 404, 200, 404, 302, 404]),
    ("dashboard:audit_log_export", {}, [302, 404, 404, 404, 404, 200, 404, 302, 404]),
    # The status matrix of a portfolio and its exports: the programme leader's alone, not even the advisers'.
    ("dashboard:portfolio_matrix", {"pk": "group_a.portfolio.pk"}, [302, 404, 404, 404, 404, 200, 404, 302, 404]),
    (
        "dashboard:portfolio_matrix_export",
        {"pk": "group_a.portfolio.pk"},
        [302, 404, 404, 404, 404, 200, 404, 302, 404],
    ),
    (
        "dashboard:portfolio_contacts_export",
        {"pk": "group_b.portfolio.pk"},
        [302, 404, 404, 404, 404, 200, 404, 302, 404],
    ),
    ("dashboard:portfolio_detail", {"pk": "group_b.portfolio.pk"}, [302, 404, 200, 404, 200, 200, 404, 302, 404]),
    ("portfolios:foundation_document", {"pk": "group_b.portfolio.pk"}, [302, 404, 200, 404, 200, 200, 404, 302, 404]),
    # The programme reports: the programme leader's alone. The downloads send the leader to the report's
    # page while no PDF is made yet.
    ("dashboard:report_index", {}, [302, 404, 404, 404, 404, 200, 404, 302, 404]),
    ("dashboard:report_portfolio", {"pk": "group_a.portfolio.pk"}, [302, 404, 404, 404, 404, 200, 404, 302, 404]),
    (
        "dashboard:report_portfolio_xlsx",
        {"pk": "group_a.portfolio.pk"},
        [302, 404, 404, 404, 404, 200, 404, 302, 404],
    ),
    ("dashboard:report_portfolio_pdf", {"pk": "group_a.portfolio.pk"}, [302, 404, 404, 404, 404, 302, 404, 302, 404]),
    (
        "dashboard:report_programme",
        {"pk": "group_a.portfolio.programme.pk"},
        [302, 404, 404, 404, 404, 200, 404, 302, 404],
    ),
    (
        "dashboard:report_programme_xlsx",
        {"pk": "group_a.portfolio.programme.pk"},
        [302, 404, 404, 404, 404, 200, 404, 302, 404],
    ),
    (
        "dashboard:report_programme_pdf",
        {"pk": "group_a.portfolio.programme.pk"},
        [302, 404, 404, 404, 404, 302, 404, 302, 404],
    ),
    ("dashboard:report_programme", {"pk": 999999}, [302, 404, 404, 404, 404, 404, 404, 302, 404]),
    # The year wheel: whoever may see the portfolio (its page's access).
    ("dashboard:year_wheel", {"pk": "group_a.portfolio.pk"}, [302, 200, 404, 200, 404, 200, 404, 302, 404]),
    ("dashboard:year_wheel", {"pk": "group_b.portfolio.pk"}, [302, 404, 200, 404, 200, 200, 404, 302, 404]),
    ("accounts:login", {}, [200, 302, 302, 302, 302, 302, 302, 200, 302]),
    ("accounts:password_reset", {}, [200] * 9),
    # The statements the footer links to: open to everyone.
    ("core:accessibility", {}, [200] * 9),
    ("core:privacy", {}, [200] * 9),
    ("core:contact", {}, [200] * 9),
    ("accounts:invitation_accept", {"token": "ukjent"}, [410] * 9),
    # The admin is Django's: staff without the permission get its 403, everyone else its login page.
    ("admin:index", {}, [302, 302, 302, 200, 200, 200, 302, 302, 302]),
    ("admin:portfolios_portfolio_changelist", {}, [302, 302, 302, 200, 200, 200, 302, 302, 302]),
    ("admin:municipalities_municipalitygroup_changelist", {}, [302, 302, 302, 403, 403, 200, 302, 302, 302]),
    (
        "admin:municipalities_municipalitygroup_change",
        {"object_id": "group_a.pk"},
        [302, 302, 302, 403, 403, 200, 302, 302, 302],
    ),
    ("admin:municipalities_membership_changelist", {}, [302, 302, 302, 403, 403, 200, 302, 302, 302]),
    ("admin:accounts_user_changelist", {}, [302, 302, 302, 403, 403, 200, 302, 302, 302]),
    ("admin:accounts_auditevent_changelist", {}, [302, 302, 302, 403, 403, 200, 302, 302, 302]),
    # Our own admin view answers 404 to staff without the permission, like the portal.
    (
        "admin:municipalities_municipalitygroup_invite",
        {"pk": "group_a.pk"},
        [302, 302, 302, 404, 404, 200, 302, 302, 302],
    ),
    (
        "admin:municipalities_municipalitygroup_import",
        {"portfolio_pk": "group_a.portfolio.pk"},
        [302, 302, 302, 404, 404, 200, 302, 302, 302],
    ),
    ("admin:municipalities_municipalitygroup_import_template", {}, [302, 302, 302, 404, 404, 200, 302, 302, 302]),
]


# «Lag PDF» of the reports (POST only): the leader is sent back to the report's page.
POST_MATRIX = [
    # An invitation with nothing filled in: the form again (200) for those who may invite, 404 for the rest.
    ("dashboard:group_invite", {"pk": "group_a.pk"}, [302, 404, 404, 200, 404, 200, 404, 302, 404]),
    (
        "dashboard:report_portfolio_pdf_make",
        {"pk": "group_a.portfolio.pk"},
        [302, 404, 404, 404, 404, 302, 404, 302, 404],
    ),
    (
        "dashboard:report_programme_pdf_make",
        {"pk": "group_a.portfolio.programme.pk"},
        [302, 404, 404, 404, 404, 302, 404, 302, 404],
    ),
]


@pytest.mark.parametrize(("url_name", "kwargs", "expected"), MATRIX, ids=matrix_ids(MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
def test_permission_matrix(client, world, url_name, kwargs, expected, persona):
    check_access(client, world, url_name, kwargs, expected, persona)


@pytest.mark.parametrize(("url_name", "kwargs", "expected"), POST_MATRIX, ids=matrix_ids(POST_MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
def test_post_permission_matrix(client, world, url_name, kwargs, expected, persona):
    check_access(client, world, url_name, kwargs, expected, persona, method="post")


def test_an_unknown_group_is_the_same_404_as_someone_elses(client, world):
    client.force_login(world["member_a"])
    missing = client.get(reverse("dashboard:group_detail", kwargs={"pk": 999999}))
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
    assert client.get(reverse("dashboard:portfolio_list")).status_code == 404
    event = AuditEvent.objects.get(action="access.refused")
    assert (event.actor, event.payload["path"]) == (world["adviser_a"], reverse("dashboard:portfolio_list"))
