"""Settings, read from the environment (see .env.example for every variable).

The embedded default (no environment at all) runs on a laptop: SQLite and the key
directory under ``var/``, development secrets created there on first use. With
``RESPONSEMAP_ENV=production`` nothing is invented: a missing secret or host list
stops the process at start-up.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url
from django.conf import locale as _django_locale
from django.core.exceptions import ImproperlyConfigured

from responsemap.lib.env import (
    env_bool,
    env_int,
    env_list,
    env_secret,
    env_str,
    local_secret,
    private_directory,
    private_file,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("RESPONSEMAP_VAR_DIR", str(BASE_DIR / "var")))

ENVIRONMENT = env_str("RESPONSEMAP_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"
if ENVIRONMENT not in {"development", "test", "production"}:
    raise ImproperlyConfigured("RESPONSEMAP_ENV must be development, test or production")

# Off everywhere unless asked for: a technical error page shows settings, the request
# and local variables (a channel's secret, a message). Developer mode is an explicit
# opt-in: ``DEBUG=true make run``.
DEBUG = env_bool("DEBUG", default=False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production")
# Values marked sensitive (the master key's reading, passwords) stay hidden on that page
# in developer mode too.
DEFAULT_EXCEPTION_REPORTER_FILTER = "responsemap.lib.debug.ReporterFilter"


def _required_or_local(name: str, filename: str, make: object) -> str:
    value = env_secret(name)
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(f"{name} (or {name}_FILE) is required in production")
    return local_secret(VAR_DIR / filename, make)  # type: ignore[arg-type]


SECRET_KEY = _required_or_local(
    "DJANGO_SECRET_KEY", "secret_key", lambda: secrets.token_urlsafe(50)
)
# The master key wraps every project key; it is read by protection.master, never kept
# as a setting (diffsettings and error pages print settings). Only where it lives is.
if PRODUCTION and not env_secret("RESPONSEMAP_MASTER_KEY"):
    raise ImproperlyConfigured(
        "RESPONSEMAP_MASTER_KEY (or RESPONSEMAP_MASTER_KEY_FILE) is required in production"
    )
RESPONSEMAP_MASTER_KEY_DIR = Path(
    env_str("RESPONSEMAP_MASTER_KEY_DIR", str(VAR_DIR.parent / f"{VAR_DIR.name}-master"))
)
RESPONSEMAP_KEY_DIR = Path(env_str("RESPONSEMAP_KEY_DIR", str(VAR_DIR / "keys")))
RESPONSEMAP_KEY_PROVIDER = env_str(
    "RESPONSEMAP_KEY_PROVIDER", "responsemap.protection.keystore.DirectoryKeyProvider"
)
# Signed checkpoints of the audit chains' heads, where the database can't rewrite them
# (protection/witness.py, ADR 0007): a directory (default: beside var/, never inside
# it), "syslog:" (/dev/log), "syslog:/socket" or "syslog:HOST:PORT", or "off".
RESPONSEMAP_AUDIT_WITNESS = env_str(
    "RESPONSEMAP_AUDIT_WITNESS", str(VAR_DIR.parent / f"{VAR_DIR.name}-witness")
)
# The worker's sweep writes a checkpoint of the heads that moved at most this often.
RESPONSEMAP_AUDIT_CHECKPOINT_SECONDS = env_int("RESPONSEMAP_AUDIT_CHECKPOINT_SECONDS", 60)
if PRODUCTION and (len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be a long random value in production")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is required in production")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Before allauth and django_tasks_db: its templates (the sign-in pages in the
    # product's layout) and its db_worker command (quiet by default) replace theirs.
    "responsemap.lib",
    "allauth",
    "allauth.account",
    "django_tasks",
    "django_tasks_db",
    "responsemap.protection",
    "responsemap.accounts",
    "responsemap.projects",
    "responsemap.geo",
    "responsemap.intake",
    "responsemap.triage",
    "responsemap.imports",
    "responsemap.analytics",
    "responsemap.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "responsemap.lib.middleware.RequestContextMiddleware",
    # Caches of projects destroyed by another process dropped (projects/destruction/caches.py).
    "responsemap.projects.destruction.caches.ForgetDestroyedProjectsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # A project's keys unreadable: a 503 page in words, not a 500 (protection/middleware.py).
    "responsemap.protection.middleware.KeyFaultMiddleware",
]

# Gateways' webhooks and the health check are served with just these (lib/handlers.py).
LEAN_PATHS: tuple[str, ...] = ("/channels/", "/healthz")
LEAN_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "responsemap.lib.middleware.RequestContextMiddleware",
    "responsemap.projects.destruction.caches.ForgetDestroyedProjectsMiddleware",
]

ROOT_URLCONF = "responsemap.urls"
WSGI_APPLICATION = "responsemap.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'responsemap.sqlite3'}")
# Persistent connections are checked before each request reuses them: after the database
# restarts, a process's first request reconnects instead of failing on a dead connection.
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_PREPARED_STATEMENTS", True
):
    # Only the hot plain-SQL statements (lib.rawsql.cursor) are prepared; the ORM's
    # client-side cursors never are. Off for a pooler that can't keep them (ADR 0005).
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 0
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The database and var/ are for this account only: created 0600 and 0700 before
    # SQLite opens the file (its -wal and -shm files take the database file's mode).
    private_directory(VAR_DIR)
    _sqlite_file = Path(str(DATABASES["default"]["NAME"] or ":memory:"))
    if _sqlite_file.name != ":memory:" and _sqlite_file.parent.is_dir():
        private_file(_sqlite_file)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web process read while the worker writes; IMMEDIATE takes the
        # write lock at BEGIN so two writers queue instead of failing mid-transaction
        # (the audit chain's head row depends on it).
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
# On PostgreSQL the application runs as a role that does not own the tables; ``migrate``
# alone reads the owner's URL (DATABASE_OWNER_URL or _FILE, never a setting) and then
# grants this role what it needs (protection/dbroles.py; docs/deploy.md, "Database roles").
DATABASE_APP_ROLE = (
    str(DATABASES["default"].get("USER") or "")
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    and env_secret("DATABASE_OWNER_URL")
    else ""
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASK_QUEUES = ["default", "outbound"]
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        # Sends have a queue of their own: a worker started with ``--exclude-queues
        # outbound`` is never asleep in a send (waiting for the channel's rate) when a
        # sweep or an urgent alert is due (docs/alerts.md).
        "QUEUES": TASK_QUEUES,
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_ALLOW_REGISTRATION = False  # staff are invited by a project manager, never self-made
ACCOUNT_ADAPTER = "responsemap.accounts.adapter.AccountAdapter"
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}

# Short sessions: staff sit in shared offices and on shared machines.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# A reveal needs a password typed within this many seconds.
RESPONSEMAP_REAUTH_SECONDS = env_int("RESPONSEMAP_REAUTH_SECONDS", 600)
# Days to answer a data-subject request (triage.rights): the default deadline.
RESPONSEMAP_SUBJECT_REQUEST_DAYS = env_int("RESPONSEMAP_SUBJECT_REQUEST_DAYS", 30)

# E-mail (password reset). With no EMAIL_HOST there is no mail server (the embedded
# default): messages are written as files to var/outbox/ for the operator to read.
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_PORT = env_int("EMAIL_PORT", 587 if EMAIL_USE_TLS else 25)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD") or ""
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "outbox"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Community Response Map <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A reset asked for an address no account has sends nothing (no mail to strangers); the
# page says the same either way, so it never tells whether an account exists.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("fr", "Français"),
    ("es", "Español"),
    ("ar", "العربية"),
    ("ht", "Kreyòl ayisyen"),
]
# Django ships no Haitian Creole, so get_language_info("ht") (the public form's language
# links, the import's language column) needs its entry. Our catalogue in LOCALE_PATHS is
# enough for translation.override("ht"); Django's own strings (a few form errors) stay in
# English there. setdefault: if a later Django ships "ht", its entry wins.
_django_locale.LANG_INFO.setdefault(
    "ht", {"bidi": False, "code": "ht", "name": "Haitian Creole", "name_local": "Kreyòl ayisyen"}
)
LOCALE_PATHS = [BASE_DIR / "responsemap" / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Outside production WhiteNoise serves the apps' static files where they are (no
# collectstatic): the development server serves none itself with DEBUG off.
WHITENOISE_USE_FINDERS = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2 * 1024 * 1024)

# Logs carry ids and codes, never message text, phone numbers or keys.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # The worker's line per task started and finished (lib db_worker).
        "django_tasks": {"level": env_str("TASKS_LOG_LEVEL", "WARNING")},
        "django_tasks_db": {"level": env_str("TASKS_LOG_LEVEL", "WARNING")},
    },
}

# The address gateways use to reach this server (delivery-report URLs are built on it).
RESPONSEMAP_PUBLIC_URL = env_str("RESPONSEMAP_PUBLIC_URL", "http://127.0.0.1:8000")

# A task running for longer than this is taken to have lost its worker and is queued
# again (lib/tasks.py, ADR 0009); longer than any task runs.
RESPONSEMAP_TASK_TIMEOUT_SECONDS = env_int("RESPONSEMAP_TASK_TIMEOUT_SECONDS", 300)

# Pulls from form servers (imports/pull/hosts.py, docs/imports-pull.md): never loopback,
# link-local or metadata addresses; private ranges only when allowed; the networks listed
# are allowed whatever they are. Each answer is read up to the cap (bytes).
RESPONSEMAP_PULL_ALLOW_PRIVATE_HOSTS = env_bool("RESPONSEMAP_PULL_ALLOW_PRIVATE_HOSTS", False)
RESPONSEMAP_PULL_ALLOWED_NETWORKS = env_list("RESPONSEMAP_PULL_ALLOWED_NETWORKS", [])
RESPONSEMAP_PULL_MAX_RESPONSE_BYTES = env_int(
    "RESPONSEMAP_PULL_MAX_RESPONSE_BYTES", 50 * 1024 * 1024
)
# An import job uploaded and never started is expired (its sealed file deleted) after
# this many hours (imports/expiry.py).
RESPONSEMAP_IMPORT_EXPIRE_HOURS = env_int("RESPONSEMAP_IMPORT_EXPIRE_HOURS", 72)

# The public web form's bot and abuse guards (triage/public_guard.py).
RESPONSEMAP_FORM_MIN_SECONDS = env_int("RESPONSEMAP_FORM_MIN_SECONDS", 3)
# Triage suggestions made at every record's birth (docs/suggestions.md).
RESPONSEMAP_SUGGESTIONS_AT_BIRTH = env_bool("RESPONSEMAP_SUGGESTIONS_AT_BIRTH", True)
RESPONSEMAP_FORM_MAX_SECONDS = env_int("RESPONSEMAP_FORM_MAX_SECONDS", 2 * 3600)
RESPONSEMAP_FORM_RATE_LIMIT = env_int("RESPONSEMAP_FORM_RATE_LIMIT", 5)
RESPONSEMAP_FORM_RATE_WINDOW_SECONDS = env_int("RESPONSEMAP_FORM_RATE_WINDOW_SECONDS", 600)
# Status by reference code (triage.status_lookup.guard): lookups per client and per
# project in one window, on the public page and by SMS together.
RESPONSEMAP_STATUS_RATE_LIMIT = env_int("RESPONSEMAP_STATUS_RATE_LIMIT", 10)
RESPONSEMAP_STATUS_PROJECT_RATE_LIMIT = env_int("RESPONSEMAP_STATUS_PROJECT_RATE_LIMIT", 600)
RESPONSEMAP_STATUS_RATE_WINDOW_SECONDS = env_int("RESPONSEMAP_STATUS_RATE_WINDOW_SECONDS", 600)
# Public figures pages (analytics.public) per client network per status window.
RESPONSEMAP_PUBLIC_PAGE_RATE_LIMIT = env_int("RESPONSEMAP_PUBLIC_PAGE_RATE_LIMIT", 120)
