"""Settings for Veiledning. Every value that differs between machines comes from the environment
(django-environ); `.env.example` documents each variable. A `.env` file beside manage.py is read
if present, but real environment variables win over it."""

from datetime import timedelta
from pathlib import Path

import environ

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
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "accounts",
    "portfolios",
    "municipalities",
    "meetings",
    "contracts",
    "development_plans",
    "surveys",
    # The project package is an app too: it holds the cross-app pages' commands (seed_demo).
    "veiledning.apps.VeiledningConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "accounts.middleware.AuditAccessRefusedMiddleware",
    # Axes wants to be last: it turns a lockout into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "veiledning.urls"
WSGI_APPLICATION = "veiledning.wsgi.application"

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
            ],
        },
    },
]

# SQLite is the embedded default so that `make run` works without a database server;
# production and CI set DATABASE_URL to PostgreSQL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
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
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # one day
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=14)

# Login throttling: five wrong passwords for one e-mail address from one IP address lock that
# pair out for 15 minutes. Locking on the pair, not the IP alone, keeps one municipality's shared
# network address from locking out all its colleagues.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "accounts.services.login_username"
AXES_CLIENT_IP_CALLABLE = "accounts.services.client_ip"
# How many reverse proxies (each appending to X-Forwarded-For) stand in front of the portal; 0 without.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_LOCKOUT_TEMPLATE = "accounts/lockout.html"
AXES_VERBOSE = False

LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", "Norsk bokmål")]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True
# Dates on screen are dd.mm.åååå, whatever Django's own nb locale prefers.
FORMAT_MODULE_PATH = ["veiledning.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# One static storage for production, development and the tests, so that what the tests render is what
# production serves. With DEBUG on it gives the plain names and needs no manifest, so runserver works
# without collectstatic; with DEBUG off it gives the hashed names from the manifest collectstatic writes.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Files that must never be reachable by URL (signed contracts and the like) live here.
PRIVATE_STORAGE_ROOT = env.path("PRIVATE_STORAGE_ROOT", default=BASE_DIR / "private")

# Contracts: the largest PDF the programme leader may upload (a contract signed outside the portal), and
# how many days after sending the municipality's signatories get their one reminder.
CONTRACT_UPLOAD_MAX_BYTES = env.int("CONTRACT_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
CONTRACT_REMINDER_AFTER_DAYS = env.int("CONTRACT_REMINDER_AFTER_DAYS", default=7)

# Used in e-mails sent outside a request (background tasks, management commands).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# A mail server that does not answer must not hold a worker: the reminder batches are sized to this.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Norsk kulturskoleråd <veiledning@kulturskoleradet.no>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery uses Redis when a broker is configured. Without one, tasks run in the calling process,
# so that the portal works on a machine without Redis.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=env("REDIS_URL", default=""))
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Periodic work for `celery beat`. Each entry only starts a task that claims due rows in the database
# (never long countdowns in Redis), so a beat that runs twice sends nothing twice.
CELERY_BEAT_SCHEDULE = {
    "meetings-send-due-reminders": {"task": "meetings.tasks.send_due_reminders", "schedule": 120.0},
    "meetings-top-up-reminders": {"task": "meetings.tasks.top_up_reminders", "schedule": 3600.0},
    # contracts: the one reminder a week after sending, and countersigned contracts whose period has begun.
    "contracts-reminders": {"task": "contracts.tasks.contract_reminders_task", "schedule": 60 * 60},
    "surveys-send-mail": {"task": "surveys.tasks.send_survey_mail", "schedule": 300.0},
}

# Meetings: reminders go out these many days before a confirmed meeting, and the adviser is reminded
# of a missing note this many days after a meeting. A failed send is tried again after 5, 10, 20 …
# minutes, REMINDER_MAX_ATTEMPTS times in all, then recorded as failed for the programme leader.
MEETING_REMINDER_DAYS = env.list("MEETING_REMINDER_DAYS", cast=int, default=[7, 1])
MEETING_NOTE_MISSING_DAYS = env.int("MEETING_NOTE_MISSING_DAYS", default=3)
REMINDER_MAX_ATTEMPTS = env.int("REMINDER_MAX_ATTEMPTS", default=5)
REMINDER_RETRY_MINUTES = env.int("REMINDER_RETRY_MINUTES", default=5)

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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # WeasyPrint logs every step of every render at INFO; only its warnings are worth reading.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}
