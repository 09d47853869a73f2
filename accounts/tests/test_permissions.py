"""The permission matrix of the account pages (see testing/permissions.py); the login, password reset and
invitation pages are in dashboard's. Staff sessions here are verified by force_login (root conftest)."""

import pytest

from testing.permissions import PERSONAS, check_access, matrix_ids

MATRIX = [
    ("accounts:account", {}, [302, 200, 200, 200, 200, 200, 200, 302, 200]),
    ("accounts:password_change", {}, [302, 200, 200, 200, 200, 200, 200, 302, 200]),
    # Shown once after they are made; otherwise back to «Min konto».
    ("accounts:backup_codes", {}, [302] * 9),
    # The second step belongs to a half-login; without one it starts the login again, logged in or not.
    ("accounts:second_factor", {}, [302] * 9),
    ("accounts:second_factor_setup", {}, [302] * 9),
    # Nobody sets another person's password in the admin, not even the programme leader.
    ("admin:auth_user_password_change", {"id": "member_a.pk"}, [302, 302, 302, 404, 404, 404, 302, 302, 302]),
]

POST_MATRIX = [
    # Participants have no backup codes to renew.
    ("accounts:backup_codes_renew", {}, [302, 404, 404, 302, 302, 302, 404, 302, 404]),
]


@pytest.mark.parametrize(("url_name", "kwargs", "expected"), MATRIX, ids=matrix_ids(MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
def test_permission_matrix(client, world, url_name, kwargs, expected, persona):
    check_access(client, world, url_name, kwargs, expected, persona)


@pytest.mark.parametrize(("url_name", "kwargs", "expected"), POST_MATRIX, ids=matrix_ids(POST_MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
def test_permission_matrix_post(client, world, url_name, kwargs, expected, persona):
    check_access(client, world, url_name, kwargs, expected, persona, method="post")
