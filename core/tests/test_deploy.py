"""The files in deploy/ agree with each other and with the settings: the Procfile is the one place that names the
processes, and nginx, gunicorn and Django agree on addresses, headers, timeouts and the upload limit."""

import os
import re
import runpy
import subprocess
from pathlib import Path

from django.conf import settings
from django.urls import URLResolver, get_resolver, reverse

from core.logs import TOKEN_PATH_PREFIXES, redact

BASE_DIR = Path(__file__).resolve().parents[2]
DEPLOY = BASE_DIR / "deploy"
PRODUCTION_ENV = {
    "DEBUG": "False",
    "SECRET_KEY": "a-long-and-random-production-secret-key-" + "x" * 30,
    "ALLOWED_HOSTS": "veiledning.kulturskoleradet.no",
}


def _procfile():
    lines = (BASE_DIR / "Procfile").read_text().splitlines()
    return dict(line.split(":", 1) for line in lines if line and not line.startswith("#"))


def _nginx():
    return (DEPLOY / "nginx" / "veiledning.conf").read_text()


def _seconds(value):
    return int(value.removesuffix("s"))


def _megabytes(value):
    return int(value.removesuffix("m")) * 1024 * 1024


def test_the_procfile_names_the_three_processes():
    processes = _procfile()

    assert sorted(processes) == ["beat", "web", "worker"]
    assert processes["web"].split()[:2] == ["gunicorn", "veiledning.wsgi"]
    assert "deploy/gunicorn.conf.py" in processes["web"]
    assert processes["worker"].split() == ["celery", "-A", "veiledning", "worker"]
    assert processes["beat"].split() == ["celery", "-A", "veiledning", "beat"]


def test_each_process_has_a_systemd_unit_that_starts_it_through_deploy_run():
    for name in _procfile():
        unit = (DEPLOY / "systemd" / f"veiledning-{name}.service").read_text()
        assert f"ExecStart=/srv/veiledning/deploy/run {name}\n" in unit
        assert "User=veiledning\n" in unit
        assert "EnvironmentFile=/etc/veiledning/env\n" in unit
        assert "StateDirectory=veiledning\n" in unit
        assert "Restart=on-failure\n" in unit
    beat = (DEPLOY / "systemd" / "veiledning-beat.service").read_text()
    assert "CELERY_BEAT_SCHEDULE_FILENAME=/var/lib/veiledning/" in beat


def test_beats_schedule_file_lies_outside_the_checkout():
    assert not Path(settings.CELERY_BEAT_SCHEDULE_FILENAME).resolve().is_relative_to(BASE_DIR)


def test_nginx_and_gunicorn_agree_with_the_settings():
    nginx = _nginx()
    gunicorn = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))

    # One proxy that appends to X-Forwarded-For and sets X-Forwarded-Proto in every location it proxies from.
    assert settings.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https")
    proxied = nginx.count("proxy_pass ")
    assert proxied == nginx.count("proxy_set_header X-Forwarded-Proto $scheme;")
    assert proxied == nginx.count("proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;")
    assert proxied == nginx.count("proxy_set_header X-Request-ID $request_id;")
    # nginx proxies to gunicorn's default address, from an address gunicorn trusts the headers of.
    upstream = re.search(r"upstream veiledning_gunicorn \{[^}]*server ([\d.]+):(\d+);", nginx)
    assert gunicorn["bind"] == [f"{upstream[1]}:{upstream[2]}"]
    assert upstream[1] in gunicorn["forwarded_allow_ips"].split(",")
    # nginx waits longer than gunicorn, so that gunicorn's (logged) timeout fires first.
    read_timeouts = [_seconds(value) for value in re.findall(r"proxy_read_timeout (\w+);", nginx)]
    assert max(read_timeouts) > gunicorn["timeout"]
    # An upload the portal accepts is never refused by nginx.
    (body_limit,) = re.findall(r"client_max_body_size (\w+);", nginx)
    assert _megabytes(body_limit) > settings.CONTRACT_UPLOAD_MAX_BYTES
    # The same number as the portal's own limit, so that what the portal refuses, it refuses with its own page.
    assert _megabytes(body_limit) == settings.REQUEST_MAX_BYTES


def test_deploy_run_starts_the_procfile_command_from_any_folder(tmp_path):
    # gunicorn's --check-config loads deploy/gunicorn.conf.py and the application, then exits.
    result = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [str(DEPLOY / "run"), "web", "--check-config"],
        cwd=tmp_path,
        env={**os.environ, **PRODUCTION_ENV},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_run_refuses_a_process_the_procfile_does_not_name(tmp_path):
    for name in ["nosuch", "web;true", ""]:
        result = subprocess.run(  # noqa: S603 - our own script, fixed arguments
            [str(DEPLOY / "run"), name], cwd=tmp_path, capture_output=True, text=True, timeout=30, check=False
        )
        assert result.returncode == 64, name


def _urls_with_a_token(resolver=None, namespace=""):
    """Every URL pattern of the portal with a path segment named like a token, reversed with a known secret."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _urls_with_a_token(pattern, inner)
        elif any("token" in name for name in pattern.pattern.regex.groupindex):
            kwargs = {name: SECRET if "token" in name else "1" for name in pattern.pattern.regex.groupindex}
            yield reverse(f"{namespace}{pattern.name}", kwargs=kwargs)


SECRET = "s3cretPersonalLinkToken"


def test_nginx_logs_no_personal_links_token_and_mirrors_the_portals_list():
    nginx = _nginx()
    (log_format,) = re.findall(r"log_format veiledning ([^;]*);", nginx)
    assert "$request " not in log_format and '$request"' not in log_format
    assert "$loggable_request_uri" in log_format
    assert nginx.count("access_log /var/log/nginx/veiledning.access.log veiledning;") == 2
    source, value = re.search(
        r'map \$request_uri \$loggable_request_uri \{\s*default \$request_uri;\s*"~([^"]+)" "([^"]+)";\s*\}', nginx
    ).groups()
    # The one list is core.logs.TOKEN_PATH_PREFIXES; nginx's alternatives are the same, in the same order.
    prefixes = re.match(r"\^\(\?<token_prefix>(.*)\)\[\^/\?\]\+\(\?<token_rest>\.\*\)\$$", source)[1]
    assert tuple(prefixes.split("|")) == TOKEN_PATH_PREFIXES
    # nginx's regex and value, applied in Python (PCRE's named groups are spelled (?P<…>) there).
    nginx_regex = re.compile(source.replace("(?<", "(?P<"))
    nginx_value = re.sub(r"\$\{(\w+)\}", r"\\g<\1>", value)

    urls = sorted(set(_urls_with_a_token()))
    assert len(urls) >= 7  # applications (3), surveys (3), calendar, invitation, password reset
    for url in urls:
        for uri in (url, url + "?side=2"):
            logged = nginx_regex.sub(nginx_value, uri)
            assert SECRET not in logged, uri
            assert logged == redact(uri) and "[token]" in logged
    assert nginx_regex.sub(nginx_value, "/konto/passord/nytt/ferdig/") == "/konto/passord/nytt/ferdig/"
