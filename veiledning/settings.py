"""Settings for Veiledning. Every value that differs between machines comes from the environment
(django-environ); `.env.example` documents each variable. A `.env` file beside manage.py is read
if present, but real environment variables win over it."""

import hashlib
import tempfile
from datetime import timedelta
from email.utils import getaddresses
from pathlib import Path

import django_stubs_ext
import environ

# Generic Django classes (QuerySet[Contract], ModelAdmin[Contract]) in annotations that Python evaluates.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)

# A development key is only acceptable while DEBUG is on; production must set its own.
if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="django-insecure-only-for-local-development")
else:
    SECRET_KEY = env("SECRET_KEY")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Django's own widget templates, for the form renderer below.
    "django.forms",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "csp",
    # Two factors for staff (accounts): TOTP devices (authenticator apps) and backup codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "core",
    "accounts",
    "portfolios",
    "municipalities",
    "meetings",
    "contracts",
    "development_plans",
    "surveys",
    "applications",
    # The project package is an app too: it holds the cross-app pages' commands (seed_demo).
    "dashboard",
]

MIDDLEWARE = [
    # First, so that every later line in the log carries the request's id.
    "core.request_id.RequestIdMiddleware",
    # Before SecurityMiddleware and CommonMiddleware: /helse/ answers a local probe over plain http with any
    # Host, which SECURE_SSL_REDIRECT and ALLOWED_HOSTS would otherwise refuse.
    "core.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, so that the static files keep their own far-future headers; before the rest, so that
    # every page, download and error page gets the CSP, the Permissions-Policy and (core.headers) no-store.
    "csp.middleware.CSPMiddleware",
    "core.headers.SecurityHeadersMiddleware",
    # Before anything that could read the body (the session, CSRF, the views): an oversized one is refused
    # unread, with the headers above.
    "core.request_size.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Marks the user verified when the session passed the second factor; the next one treats a staff
    # session that did not as not logged in, on every page, the admin included.
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionIdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "accounts.middleware.AuditAccessRefusedMiddleware",
    # Axes wants to be last: it turns a lockout into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "veiledning.urls"
WSGI_APPLICATION = "veiledning.wsgi.application"

# Widgets are rendered with the project's templates first, so that templates/ can override one of Django's (the
# admin's date and time fields get labels: templates/admin/widgets/split_datetime.html).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.organisation.context_processor",
            ],
        },
    },
]

# SQLite is the embedded default so that `make run` works without a database server;
# production and CI set DATABASE_URL to PostgreSQL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Each process keeps its database connection for CONN_MAX_AGE seconds instead of connecting for every request
# (0: connect per request). CONN_HEALTH_CHECKS: a connection the database has dropped is replaced before use.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database server that does not answer fails a request (and /helse/) within seconds, not after the
    # operating system's connect timeout of minutes. A connect_timeout in DATABASE_URL wins.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses a locked-out login before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # one day
# «Glemt passord» throttling: at most this many requests per e-mail address, and per IP address, within the
# window; more are refused with a Norwegian message (429) and logged. Per IP is higher, since a whole
# municipality may share one address.
PASSWORD_RESET_LIMIT_PER_ADDRESS = env.int("PASSWORD_RESET_LIMIT_PER_ADDRESS", default=3)
PASSWORD_RESET_LIMIT_PER_IP = env.int("PASSWORD_RESET_LIMIT_PER_IP", default=20)
PASSWORD_RESET_WINDOW_MINUTES = env.int("PASSWORD_RESET_WINDOW_MINUTES", default=60)
# Applications (issue 15): how often one e-mail address, and one IP address, may start an application or
# have its link sent again within the window, before the form refuses in Norwegian.
APPLICATION_START_LIMIT_PER_ADDRESS = env.int("APPLICATION_START_LIMIT_PER_ADDRESS", default=3)
APPLICATION_START_LIMIT_PER_IP = env.int("APPLICATION_START_LIMIT_PER_IP", default=10)
APPLICATION_START_WINDOW_MINUTES = env.int("APPLICATION_START_WINDOW_MINUTES", default=60)
# A form refused for a missing or wrong CSRF token gets a Norwegian page and an audit event.
CSRF_FAILURE_VIEW = "accounts.views.csrf_failure"
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=14)

# Login throttling: five wrong passwords for one e-mail address from one IP address lock that
# pair out for 15 minutes. Locking on the pair, not the IP alone, keeps one municipality's shared
# network address from locking out all its colleagues. An IP address that fails for ten different
# addresses within those 15 minutes (one password tried on many accounts) is locked out as a whole
# (accounts.services.login_lockout_parameters).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_IP_ADDRESS_LIMIT = env.int("AXES_IP_ADDRESS_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = "accounts.services.login_lockout_parameters"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "accounts.services.login_username"
AXES_CLIENT_IP_CALLABLE = "accounts.services.client_ip"
# How many reverse proxies (each appending to X-Forwarded-For) stand in front of the portal; 0 without.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
AXES_VERBOSE = False
# A wrong one-time code counts as a failed login too (accounts.services.second_factor_verify); the code
# itself is kept out of axes' record of the attempt.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp_token"]

# Two factors: staff (anyone with access to the admin, or a superuser; accounts.models.User.needs_second_factor)
# give a one-time code from an authenticator app (TOTP) or a backup code after the password, and set the app up
# at their first login. The password step is good for SECOND_FACTOR_PENDING_SECONDS: long enough to install an
# app at the first login, short enough that a forgotten half-login does not wait for the next person.
SECOND_FACTOR_PENDING_SECONDS = env.int("SECOND_FACTOR_PENDING_SECONDS", default=10 * 60)
SECOND_FACTOR_BACKUP_CODES = 10
# The name authenticator apps show beside the account.
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Veiledning")
# Should django-otp's own device admin ever be shown, it shows no secrets (accounts.admin unregisters it).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", "Norsk bokmål")]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
# The project's catalogue comes first: it translates what Django's nb catalogue lacks or has outdated, and
# django-axes, which has none (locale/nb/LC_MESSAGES/django.po).
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True
# Dates on screen are dd.mm.åååå, whatever Django's own nb locale prefers.
FORMAT_MODULE_PATH = ["core.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files that must never be reachable by URL (signed contracts and the like) go through the storage alias
# "private" (core.storage). Every web server and worker must reach the same files: one machine can keep
# them in a local folder; several machines need S3-compatible object storage, chosen by setting a bucket.
PRIVATE_STORAGE_ROOT = env.path("PRIVATE_STORAGE_ROOT", default=BASE_DIR / "private")
PRIVATE_STORAGE_S3_BUCKET = env("PRIVATE_STORAGE_S3_BUCKET", default="")
if PRIVATE_STORAGE_S3_BUCKET:
    _s3_options = {
        "endpoint_url": env("PRIVATE_STORAGE_S3_ENDPOINT_URL", default=""),
        "region_name": env("PRIVATE_STORAGE_S3_REGION", default=""),
        "access_key": env("PRIVATE_STORAGE_S3_ACCESS_KEY_ID", default=""),
        "secret_key": env("PRIVATE_STORAGE_S3_SECRET_ACCESS_KEY", default=""),
        "addressing_style": env("PRIVATE_STORAGE_S3_ADDRESSING_STYLE", default=""),
        "location": env("PRIVATE_STORAGE_S3_PREFIX", default=""),
    }
    _private_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            # Unset values are left out, so that boto3 finds them its own way (AWS_* variables, an
            # instance role, ~/.aws) and AWS itself needs no endpoint.
            **{name: value for name, value in _s3_options.items() if value},
            "bucket_name": PRIVATE_STORAGE_S3_BUCKET,
            # A canned ACL on every object; empty for a bucket with ACLs disabled (AWS's default for new
            # buckets), which refuses any but its own, and whose bucket policy then keeps it private.
            "default_acl": env("PRIVATE_STORAGE_S3_ACL", default="private") or None,
            # Never overwrite: a name already taken gets another (and names are random anyway).
            "file_overwrite": False,
            # Should anything ever ask for a URL, it gets one that is signed and expires, never a public one.
            "querystring_auth": True,
            "querystring_expire": 60,
        },
    }
else:
    _private_storage = {
        "BACKEND": "core.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": PRIVATE_STORAGE_ROOT},
    }
# One static storage for production, development and the tests, so that what the tests render is what
# production serves. With DEBUG on it gives the plain names and needs no manifest, so runserver works
# without collectstatic; with DEBUG off it gives the hashed names from the manifest collectstatic writes.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    "private": _private_storage,
}

# Contracts: the largest PDF the programme leader may upload (a contract signed outside the portal), and
# how many days after sending the municipality's signatories get their one reminder.
CONTRACT_UPLOAD_MAX_BYTES = env.int("CONTRACT_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
# The largest file a group may share (municipalities.GroupDocument): a PDF, an Office document or an image.
GROUP_DOCUMENT_MAX_BYTES = env.int("GROUP_DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)
# The limits on what a request may bring, in one place. A body is refused by its declared size before it is
# read (core.request_size): a multipart body may be the largest upload plus 1 MB for the form around it,
# which is also the nginx example's client_max_body_size (core/tests/test_deploy.py holds them together);
# any other body, form fields alone, no more than Django parses (DATA_UPLOAD_MAX_MEMORY_SIZE, whose 2.5 MB
# hold a long survey answered to every field's limit). An upload over FILE_UPLOAD_MAX_MEMORY_SIZE waits in a
# temporary file instead of memory. An uploaded PDF may decompress to no more than
# PDF_MAX_DECOMPRESSED_BYTES in all (core.pdf_safety), far above any real contract's fonts and pages.
REQUEST_MAX_BYTES = max(CONTRACT_UPLOAD_MAX_BYTES, GROUP_DOCUMENT_MAX_BYTES) + 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = int(2.5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = int(2.5 * 1024 * 1024)
PDF_MAX_DECOMPRESSED_BYTES = env.int("PDF_MAX_DECOMPRESSED_BYTES", default=200 * 1024 * 1024)
CONTRACT_REMINDER_AFTER_DAYS = env.int("CONTRACT_REMINDER_AFTER_DAYS", default=7)

# Used in e-mails sent outside a request (background tasks, management commands).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# The organisation that runs the portal, in one place: every page, e-mail and PDF names it from here (the
# `organisation` template variable: core.organisation), so that another organisation can run the portal for
# its own programmes by setting these. Each programme's contract form keeps its own wording of the signatory
# (admin: «Kontraktmaler»); these are what a new form starts from.
ORGANISATION = {
    "name": env("ORGANISATION_NAME", default="Norsk kulturskoleråd"),
    "address": env("ORGANISATION_ADDRESS", default="Trondheim"),
    "email": env("ORGANISATION_EMAIL", default="veiledning@kulturskoleradet.no"),
    "phone": env("ORGANISATION_PHONE", default=""),
    "website": env("ORGANISATION_WEBSITE", default="https://www.kulturskoleradet.no"),
    "signatory_name": env("ORGANISATION_SIGNATORY_NAME", default="Morten Christiansen"),
    "signatory_title": env("ORGANISATION_SIGNATORY_TITLE", default="direktør"),
    # The domain in every calendar entry's UID. Calendars know a meeting by its UID, so this must never
    # change once people subscribe, even if the portal moves to another address.
    "calendar_domain": env("ORGANISATION_CALENDAR_DOMAIN", default="veiledning.kulturskoleradet.no"),
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# A mail server that does not answer must not hold a worker: the reminder batches are sized to this.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default=f"{ORGANISATION['name']} <{ORGANISATION['email']}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery on Redis runs the background work. Every piece of work is a database row first (an e-mail in
# the outbox, a reminder, a contract to render), and a Celery message only says «look now»; beat looks
# every few minutes in case a message was lost. Without a broker nothing is queued and
# `manage.py send_due_reminders`, run by cron, does what beat does (README, Configuration).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=env("REDIS_URL", default=""))
# The queue the portal's tasks go to and its workers read; another name lets two portals (or a test) share
# one Redis without taking each other's tasks.
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="celery")
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A broker that does not answer must not hold a web request for long: the action is already committed,
# and the work waits in the database (core.background.send_soon).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
# Periodic work for `celery beat`. Each entry only starts a task that claims due rows in the database
# (never long countdowns in Redis), so a beat that runs twice sends nothing twice.
CELERY_BEAT_SCHEDULE = {
    "core-send-outbox": {"task": "core.send_outbox", "schedule": 60.0},
    "accounts-send-password-resets": {"task": "accounts.send_password_resets", "schedule": 60.0},
    "meetings-send-due-reminders": {"task": "meetings.tasks.send_due_reminders", "schedule": 120.0},
    "meetings-top-up-reminders": {"task": "meetings.tasks.top_up_reminders", "schedule": 3600.0},
    # contracts: the documents queued for sending or after countersigning (the task is also queued when
    # they are), the one reminder a week after sending, and countersigned contracts whose period has begun.
    "contracts-render-documents": {"task": "contracts.render_due", "schedule": 60.0},
    "contracts-reminders": {"task": "contracts.tasks.contract_reminders_task", "schedule": 60 * 60},
    "surveys-send-mail": {"task": "surveys.tasks.send_survey_mail", "schedule": 300.0},
    # surveys: the report PDFs asked for (the task is also queued when one is).
    "surveys-render-reports": {"task": "surveys.render_reports", "schedule": 60.0},
    # dashboard: the programme reports' PDFs asked for (the task is also queued when one is).
    "dashboard-render-report-pdfs": {"task": "dashboard.render_report_pdfs", "schedule": 60.0},
    # applications: the submitted applications' PDFs and receipts (the task is also queued on submitting).
    "applications-render-pdfs": {"task": "applications.render_pdfs", "schedule": 60.0},
}

# The outbox (core.outbox): a failed send is tried again after 5, 10, 20 … minutes, EMAIL_MAX_ATTEMPTS
# times in all, then recorded as failed for the programme leader. A row a dead worker left "sending" is
# reported failed after EMAIL_STUCK_SECONDS (on PostgreSQL a live sender's row is locked and never taken).
EMAIL_MAX_ATTEMPTS = env.int("EMAIL_MAX_ATTEMPTS", default=5)
EMAIL_RETRY_MINUTES = env.int("EMAIL_RETRY_MINUTES", default=5)
EMAIL_STUCK_SECONDS = env.int("EMAIL_STUCK_SECONDS", default=15 * 60)

# Meetings: reminders go out these many days before a confirmed meeting, and the adviser is reminded
# of a missing note this many days after a meeting.
MEETING_REMINDER_DAYS = env.list("MEETING_REMINDER_DAYS", cast=int, default=[7, 1])
MEETING_NOTE_MISSING_DAYS = env.int("MEETING_NOTE_MISSING_DAYS", default=3)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Security. In production (DEBUG off) the portal is served over HTTPS only.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Sessions end after this many minutes without activity (accounts.middleware.SessionIdleTimeoutMiddleware):
# staff, who read every municipality's data, sooner than participants. A session nobody uses at all lasts
# as long as a participant's.
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=120)
STAFF_SESSION_IDLE_MINUTES = env.int("STAFF_SESSION_IDLE_MINUTES", default=30)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60

# Content-Security-Policy (django-csp): scripts, styles, fonts and images from the portal's own origin only,
# for the portal and the admin alike. Neither has an inline script, an inline style or an event handler
# attribute (a test reads every template), so no 'unsafe-inline' and no nonce is needed; data: images are
# the SVG icons inside Bootstrap's and the admin's own stylesheets.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Browser features the portal never uses, switched off for it and anything it might embed.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), midi=(), payment=(), publickey-credentials-get=(), screen-wake-lock=(), usb=(), "
    "xr-spatial-tracking=()"
)

# Logs: one line per event on stdout, in the same format for every process (core.logs), which systemd's
# journal keeps. Celery logs through this configuration too (veiledning/celery.py), so LOG_LEVEL rules there.
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
# Error reports by e-mail: ADMINS="Kari Nordmann <kari@example.no>, ops@example.no". These go straight to the
# mail server through Django's mail_admins, deliberately not through the outbox: a report must still go out when
# the database is what failed (an unanswering mail server then holds the failed request up to EMAIL_TIMEOUT).
# Only request errors (500) and failed Celery tasks are mailed.
ADMINS = [(name, address) for name, address in getaddresses([env("ADMINS", default="")]) if address]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "core.logs.RequestIdFilter"},
        # The secrets of personal links in paths (core.logs.TOKEN_PATH_PREFIXES), on every handler.
        "redact_tokens": {"()": "core.logs.RedactTokensFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    # core.logs.LINE_FORMAT: time (UTC, ISO 8601), level, logger, request id, message.
    "formatters": {"line": {"class": "core.logs.LineFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "line",
            "filters": ["request_id", "redact_tokens"],
        },
        "mail_admins": {
            "class": "core.error_mails.RedactingAdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false", "redact_tokens"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Named so that Django's own default handlers (a second console line in DEBUG, mail for every
        # django.* error, DisallowedHost included) are replaced; its records reach the root's console.
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.request": {"handlers": ["mail_admins"], "level": LOG_LEVEL, "propagate": True},
        "celery.app.trace": {"handlers": ["mail_admins"], "level": LOG_LEVEL, "propagate": True},
        # WeasyPrint logs every step of every render at INFO; only its warnings are worth reading.
        "weasyprint.progress": {"level": "WARNING"},
    },
}

# Error reports to Sentry, when SENTRY_DSN is set: exceptions in requests and in Celery tasks and ERROR lines,
# without the personal data Sentry could add (user, IP address, cookies), and without request bodies and the
# traceback's local variables, which hold what people typed and the rows being worked on. sentry-sdk is
# imported only then, so it is optional at run time.
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    from core.logs import redact_sentry_event

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        # The personal links' secrets out of URLs, messages and breadcrumbs, as in the log (core.logs).
        before_send=redact_sentry_event,
        before_breadcrumb=redact_sentry_event,
    )

# Beat's schedule file (when each periodic task last ran) is runtime state and stays out of the checkout: the
# systemd unit puts it under /var/lib/veiledning; elsewhere it lives in the system's temporary folder, one file
# per checkout, so that two checkouts on one machine never share (and corrupt) one file.
CELERY_BEAT_SCHEDULE_FILENAME = env(
    "CELERY_BEAT_SCHEDULE_FILENAME",
    default=str(
        Path(tempfile.gettempdir())
        / f"veiledning-celerybeat-schedule-{hashlib.sha256(str(BASE_DIR).encode()).hexdigest()[:12]}"
    ),
)
