import os
from unittest import mock

import pytest
import redis
from django.db import OperationalError
from django.test import Client

pytestmark = pytest.mark.django_db

# A port where nothing listens: the connection is refused at once.
DEAD_BROKER = "redis://127.0.0.1:1/0"


def test_it_answers_200_when_the_database_answers_and_no_broker_is_configured(client, settings):
    settings.CELERY_BROKER_URL = ""

    response = client.get("/helse/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ikke i bruk"}
    assert "no-store" in response["Cache-Control"]


def test_it_answers_503_naming_the_broker_when_the_broker_does_not_answer(client, settings):
    settings.CELERY_BROKER_URL = DEAD_BROKER

    response = client.get("/helse/")

    assert response.status_code == 503
    assert response.json() == {"status": "feil", "database": "ok", "broker": "feil"}
    assert "no-store" in response["Cache-Control"]
    # Nothing about the failure beyond its part: not the address, not the error.
    assert b"127.0.0.1" not in response.content


def test_it_answers_200_when_a_configured_broker_answers(client, settings):
    url = os.environ.get("HEALTH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        if os.environ.get("CI_REDIS") == "required":
            pytest.fail(f"CI_REDIS=required, but there is no Redis at {url}.", pytrace=False)
        pytest.skip(f"No Redis at {url}.")
    settings.CELERY_BROKER_URL = url

    response = client.get("/helse/")

    assert response.status_code == 200
    assert response.json()["broker"] == "ok"


def test_it_answers_503_naming_the_database_when_its_query_fails(client, settings):
    settings.CELERY_BROKER_URL = ""

    with mock.patch("core.health.connection") as connection:
        connection.cursor.side_effect = OperationalError("connection to server at 10.0.0.5 failed: password wrong")
        response = client.get("/helse/")

    assert response.status_code == 503
    assert response.json() == {"status": "feil", "database": "feil", "broker": "ikke i bruk"}
    assert b"10.0.0.5" not in response.content
    assert b"password" not in response.content


def test_a_local_probe_reaches_it_over_plain_http_with_a_host_the_portal_does_not_serve(settings):
    # A client of its own: the suite's `client` speaks HTTPS, as nginx forwards it (root conftest.py).
    client = Client()
    settings.DEBUG = False
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["veiledning.kulturskoleradet.no"]
    settings.CELERY_BROKER_URL = ""

    response = client.get("/helse/", HTTP_HOST="127.0.0.1")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    # Every other page stays behind both checks.
    assert client.get("/konto/logg-inn/", HTTP_HOST="127.0.0.1").status_code == 400
    redirect = client.get("/konto/logg-inn/", HTTP_HOST="veiledning.kulturskoleradet.no")
    assert redirect.status_code == 301
    assert redirect["Location"] == "https://veiledning.kulturskoleradet.no/konto/logg-inn/"
