"""gunicorn's settings for the web process (Procfile: `web`). What differs between servers comes from the
environment, as for Django: GUNICORN_BIND, WEB_CONCURRENCY, FORWARDED_ALLOW_IPS and LOG_LEVEL (.env.example).

gunicorn reads this file itself (`--config`); it is plain Python, not part of the Django project.
"""

import os
from pathlib import Path

import environ

# The same .env as settings.py reads (real environment variables win), so that `make web` on a development
# machine and a server with /etc/veiledning/env are configured in one place each.
environ.Env.read_env(Path(__file__).resolve().parent.parent / ".env")

# Behind nginx on the same machine: only nginx reaches gunicorn, so only nginx can set the X-Forwarded-*
# headers that Django trusts (SECURE_PROXY_SSL_HEADER, TRUSTED_PROXY_COUNT). Never bind to a public address.
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]

# Sync workers, one request each at a time: a page takes a few database queries, and nginx buffers slow
# clients. Each worker holds its own database connection (CONN_MAX_AGE) and, once it renders, WeasyPrint.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1))

# A request still running after this many seconds is killed and logged («WORKER TIMEOUT»). Slow work (PDFs for a
# whole portfolio, long exports) belongs in the worker. nginx's proxy_read_timeout is a little longer (65 s in
# deploy/nginx/veiledning.conf), so that gunicorn's timeout, which is logged, is the one that fires.
timeout = 60
# On SIGTERM (systemctl stop/restart) a worker finishes the request it serves for up to this long;
# veiledning-web.service's TimeoutStopSec is longer.
graceful_timeout = 30
# Restart each worker now and then, so that memory a long run of renders fragments is given back. The jitter keeps
# the workers from restarting at the same moment.
max_requests = 2000
max_requests_jitter = 200

# No control socket (gunicorn's default is one in $HOME or $XDG_RUNTIME_DIR): systemd manages the process, the
# service user has no home to write to, and two instances on one machine would share one socket's path.
control_socket_disable = True

# The addresses whose X-Forwarded-Proto gunicorn believes for wsgi.url_scheme: nginx's (it proxies to 127.0.0.1).
# Django decides https by SECURE_PROXY_SSL_HEADER, from the same header, so the two agree.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Access log on stdout, in the portal's one line format (core.logs), with the request id in its column: the
# access line is written before the response is closed, while the request's id is still set.
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
loglevel = os.environ.get("LOG_LEVEL", "INFO").lower()
_line = {
    "class": "logging.StreamHandler",
    "stream": "ext://sys.stdout",
    "formatter": "line",
    "filters": ["request_id", "redact_tokens"],
}
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    # redact_tokens: the access line's request line without the secrets of personal links (core.logs).
    "filters": {
        "request_id": {"()": "core.logs.RequestIdFilter"},
        "redact_tokens": {"()": "core.logs.RedactTokensFilter"},
    },
    "formatters": {"line": {"class": "core.logs.LineFormatter"}},
    "handlers": {"console": _line},
    "root": {"level": loglevel.upper(), "handlers": ["console"]},
    # gunicorn's own handlers are dropped; its lines go to the root's, like Django's.
    "loggers": {
        "gunicorn.error": {"level": loglevel.upper(), "handlers": [], "propagate": True},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": True},
    },
}
