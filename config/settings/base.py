"""Settings shared by every environment. Everything that differs between machines comes from the environment."""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(os.environ.get("CLIENTELA_DATA_DIR", BASE_DIR / "var"))

SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = False
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_countries",
    "ninja",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "clientela.common",
    "clientela.workspaces",
    "clientela.security",
    "clientela.customization",
    "clientela.registry",
    "clientela.history",
    "clientela.timeline",
    "clientela.customers",
    "clientela.notes",
    "clientela.administration",
    "clientela.integrations",
    "clientela.transfer",
    "clientela.backup",
    "clientela.merging",
    "clientela.api",
]

MIDDLEWARE = [
    "clientela.common.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "clientela.workspaces.middleware.UserPreferencesMiddleware",
    "clientela.workspaces.middleware.CurrentWorkspaceMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "clientela.security.authentication.middleware.SessionActivityMiddleware",
    "clientela.security.authentication.middleware.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "clientela" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clientela.registry.context_processors.shell",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'clientela.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    # WAL lets readers and a writer work at once; IMMEDIATE avoids "database is locked" on upgrade. Reading
    # pages through a memory map (the first SQLITE_MMAP_MB of the file) instead of a read() each, and keeping
    # connections like PostgreSQL's, took a sixth off an API list's time at a million contacts. The WAL is
    # copied into the database (a checkpoint, two fsyncs) once it holds 10,000 pages rather than 1,000: a
    # 1,000-record bulk change writes about 4,000, so each commit paid one; now a page changed by several
    # commits is copied once (a tenth to a fifth off that request on average). The file is cut back to 64 MB after.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                        "PRAGMA wal_autocheckpoint=10000; PRAGMA journal_size_limit=67108864; "
                        f"PRAGMA mmap_size={int(os.environ.get('SQLITE_MMAP_MB', '1024')) * 2**20};",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "workspaces.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Español"))]
LOCALE_PATHS = [BASE_DIR / "clientela" / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True
FORMS_URLFIELD_ASSUME_HTTPS = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "clientela" / "static"]
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "1025"))
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Clientela <no-reply@clientela.example>")

SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(60 * 60 * 12)))
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# No inline scripts, styles or event handlers anywhere; attachments send their own stricter policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Shared by every app server (API rate counters live here): Redis when REDIS_URL is set, else a
# database table that the api app's migration creates.
if os.environ.get("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": os.environ["REDIS_URL"], "KEY_PREFIX": "clientela"}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "clientela_cache",
                          "OPTIONS": {"MAX_ENTRIES": 10_000}}}

# Background work (webhook deliveries, imports, big exports): the Django Tasks API, stored in the
# database and run by `manage.py db_worker` (started by `make run`).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Clientela's own knobs.
CLIENTELA = {
    "TRASH_RETENTION_DAYS": 30,
    "ATTACHMENT_MAX_BYTES": 10 * 1024 * 1024,
    "EXACT_COUNT_LIMIT": 10_000,
    "SESSION_IDLE_MINUTES": int(os.environ.get("SESSION_IDLE_MINUTES", "480")),  # logged out after this long idle
    "AUDIT_EXPORT_THRESHOLD": 1000,  # exports with more rows than this are written to the audit log
    # a CSV export of at least EXPORT_PARALLEL_ROWS records is written by this many processes (1: never split)
    "EXPORT_PROCESSES": int(os.environ.get("EXPORT_PROCESSES", "2")),
    "EXPORT_PARALLEL_ROWS": int(os.environ.get("EXPORT_PARALLEL_ROWS", "100000")),
    "DEFAULT_PHONE_REGION": os.environ.get("DEFAULT_PHONE_REGION", "ES"),
    "API_RATE_PER_MINUTE": int(os.environ.get("API_RATE_PER_MINUTE", "120")),
    "IMPORT_MAX_BYTES": int(os.environ.get("IMPORT_MAX_BYTES", str(100 * 1024 * 1024))),
    # request bodies the API reads (larger ones get 413 before parsing); /bulk takes up to 1,000 records, about
    # 2.6 MB of typical contacts. The web forms keep Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB).
    "API_MAX_BODY_BYTES": int(os.environ.get("API_MAX_BODY_BYTES", str(2_621_440))),
    "API_BULK_MAX_BODY_BYTES": int(os.environ.get("API_BULK_MAX_BODY_BYTES", str(10 * 1024 * 1024))),
    # reverse proxies in front that append to X-Forwarded-For (the client's address is read behind them)
    "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
    "LOGIN_HISTORY_RETENTION_DAYS": int(os.environ.get("LOGIN_HISTORY_RETENTION_DAYS", "365")),
    "WEBHOOKS_ALLOW_PRIVATE": os.environ.get("WEBHOOKS_ALLOW_PRIVATE", "") == "1",  # allow private/loopback URLs
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"format": "%(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
    "loggers": {
        "clientela.requests": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": [], "level": "ERROR", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
}
