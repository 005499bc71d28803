"""Settings for Walks, driven by the environment.

With no environment at all the project runs embedded on one machine: SQLite,
a file cache shared by every worker process, Celery tasks executed eagerly,
e-mail written to files under ``var/mail/`` and a secret key generated once
into ``var/secret_key``. Setting ``DATABASE_URL`` and ``REDIS_URL`` switches to
PostgreSQL, Redis and a real Celery worker.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from core import secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
REDIS_URL = env.str("REDIS_URL", default="")
DATABASE_URL = env.str("DATABASE_URL", default="")
# Production is the configuration with real services; the embedded default
# is for one machine and for tests. A deployment with services must bring its
# own secret key: refuse to start rather than sign sessions with a known one.
PRODUCTION = bool(DATABASE_URL or REDIS_URL)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DATABASE_URL or REDIS_URL is.")
    # One machine may still be a public host: a random key of its own, made on
    # the first start and kept, so sessions survive restarts and every worker
    # process signs with the same key.
    SECRET_KEY = secret_key.load_or_create(Path(env.str("DJANGO_SECRET_KEY_FILE", default=str(VAR_DIR / "secret_key"))))
_jwt_signing_key = env.str("JWT_SIGNING_KEY", default=SECRET_KEY)

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
# The key once committed to the repository signs nothing others can reach
# (core.checks reports it too, should settings change after this point).
for _name, _key in (("DJANGO_SECRET_KEY", SECRET_KEY), ("JWT_SIGNING_KEY", _jwt_signing_key)):
    if secret_key.key_refused(_key, debug=DEBUG, allowed_hosts=ALLOWED_HOSTS):
        raise ImproperlyConfigured(
            f"{_name} is the key committed to the repository, and DJANGO_ALLOWED_HOSTS is not loopback only: "
            "set a secret key of your own (without DATABASE_URL and REDIS_URL, unsetting it keeps a random one "
            "in var/secret_key)."
        )

SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    # First, so that core's Russian catalogue wins over Django's and DRF's for
    # the messages they share ("Not found."): an earlier app's translations win.
    "core",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "anymail",
    "accounts",
    "catalog",
    "walks",
    "reviews",
    "linking",
    "gptprofile",
    "staff",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.ApiRequestMiddleware",
    "core.conditional.ApiContractMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLocaleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.ServiceErrorPageMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.i18n",
                "core.context_processors.site",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
if DATABASE_URL:
    DATABASES = {"default": env.db_url_config(DATABASE_URL)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env.str("SQLITE_PATH", default=str(VAR_DIR / "db.sqlite3")),
        }
    }
_database = DATABASES["default"]
_database.setdefault("OPTIONS", {})
if _database["ENGINE"].endswith(("sqlite3", "spatialite")):
    # Several worker processes write to one file: wait for the lock
    # instead of failing, and let readers run beside one writer.
    _database["OPTIONS"].setdefault("timeout", 20)
    _database["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    _database["OPTIONS"].setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
else:
    _database.setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    _database["CONN_HEALTH_CHECKS"] = True
    if any(driver in _database["ENGINE"] for driver in ("postgresql", "postgis", "mysql")):
        # A database that does not answer must not pin a worker forever.
        # (Only these drivers take the option; sqlite3 and Oracle refuse it.)
        _database["OPTIONS"].setdefault("connect_timeout", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: shared by all worker processes in both modes ------------------------
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="walks"),
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
                # A cache outage is not a site outage: reads miss, writes
                # are dropped, and the code that needs the cache says so.
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {
        "default": {
            "BACKEND": "core.filecache.FileBasedCache",
            "LOCATION": env.str("CACHE_DIR", default=str(VAR_DIR / "cache")),
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        }
    }

# Read from the cache, written through to the database: a cache outage or
# restart signs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
SESSION_COOKIE_HTTPONLY = True
# Flash messages can carry a one-time secret (a new service token, an
# activation code): keep them server-side, not in a cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = SITE_URL.startswith("https://")
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env.bool("DJANGO_BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Auth ---------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.EmailBackend"]
LOGIN_URL = "accounts:signin"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-up, restore and e-mail change codes: seconds a code lives, wrong tries
# it survives, and the pause between two sends to one address.
ACCOUNTS_CODE_TTL = env.int("ACCOUNTS_CODE_TTL", default=600)
ACCOUNTS_CODE_MAX_TRIES = env.int("ACCOUNTS_CODE_MAX_TRIES", default=5)
ACCOUNTS_CODE_RESEND_SECONDS = env.int("ACCOUNTS_CODE_RESEND_SECONDS", default=10)
# Sign-in failures allowed per account in 5 minutes and per IP in a minute
# (django-allauth's defaults), and codes sent per hour per IP and per address
# (they fill in RATE_LIMITS below).
ACCOUNTS_LOGIN_FAILURES_PER_ACCOUNT = env.int("ACCOUNTS_LOGIN_FAILURES_PER_ACCOUNT", default=5)
ACCOUNTS_LOGIN_FAILURES_PER_IP = env.int("ACCOUNTS_LOGIN_FAILURES_PER_IP", default=10)
ACCOUNTS_CODE_SENDS_PER_IP_HOUR = env.int("ACCOUNTS_CODE_SENDS_PER_IP_HOUR", default=30)
ACCOUNTS_CODE_SENDS_PER_ADDRESS_HOUR = env.int("ACCOUNTS_CODE_SENDS_PER_ADDRESS_HOUR", default=10)
# How long an account-link offer's secret stays usable: seven days gives the
# other owner time to read the e-mail and sign in; afterwards they make a new one.
LINKING_OFFER_TTL = timedelta(days=env.int("LINKING_OFFER_TTL_DAYS", default=7))

# --- I18n ---------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

# --- Static and media -------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("DJANGO_STATIC_MANIFEST", default=False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Without collectstatic (the embedded default) WhiteNoise serves from the apps.
WHITENOISE_USE_FINDERS = not PRODUCTION or DEBUG
WHITENOISE_AUTOREFRESH = not PRODUCTION or DEBUG
# Uploads are limited to 5 MB (SPEC 7); a little headroom for the multipart
# envelope. Larger bodies get 413 from core.middleware.
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BYTES + 256 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BYTES + 256 * 1024

# --- E-mail ---------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Walks <noreply@walks.localhost>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="core.mail.FileAndConsoleEmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# For an anymail provider set EMAIL_BACKEND to e.g.
# "anymail.backends.postmark.EmailBackend" and its settings below.
ANYMAIL = env.dict("ANYMAIL", default={})
ADMINS = [(addr.split("@")[0], addr) for addr in env.list("ADMINS", default=[]) if "@" in addr]
# A storm of the same error mails the admins at most this often (SPEC 6).
# Shown on /privacy/; the first ADMINS address when empty.
PRIVACY_CONTACT_EMAIL = env.str("PRIVACY_CONTACT_EMAIL", default="")
ERROR_MAIL_PER_SIGNATURE_SECONDS = env.int("ERROR_MAIL_PER_SIGNATURE_SECONDS", default=600)
ERROR_MAIL_MAX_PER_HOUR = env.int("ERROR_MAIL_MAX_PER_HOUR", default=20)

# --- Celery ---------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL or CELERY_BROKER_URL == "memory://"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing from a request gives up fast when the broker is down (a refused
# connection fails in ~1 ms; the defaults spent 0.6 s in retries), and
# core.broker then stops trying for a few seconds. One retry on a fresh
# connection still covers a pooled connection that went stale with a Redis
# restart. The worker's own reconnecting is separate
# (broker_connection_max_retries) and unchanged.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": 1,
    "socket_timeout": 5,
    "max_retries": 0,  # connecting: one attempt per publish attempt
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "reconcile-title-ratings": {
        "task": "reviews.tasks.reconcile_all_ratings",
        "schedule": crontab(minute=17),
    },
    "purge-profile-edit-tokens": {
        "task": "gptprofile.tasks.purge_profile_edit_tokens",
        "schedule": crontab(hour=3, minute=41),
    },
    "purge-sent-email-keys": {
        "task": "core.tasks.purge_sent_email_keys",
        "schedule": crontab(hour=4, minute=13),
    },
    "expire-link-offers": {
        "task": "linking.tasks.expire_link_offers",
        "schedule": crontab(minute=41),
    },
}

# --- DRF, JWT, OpenAPI ---------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.JWTAuthentication",
        "accounts.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only; the upload views (avatar, cover) take multipart themselves.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=15),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=14),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "SIGNING_KEY": _jwt_signing_key,
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Walks API",
    "DESCRIPTION": "Track the games you played and the films, series and anime you watched.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # 3.1: nullable objects are {"oneOf": [{$ref}, {"type": "null"}]}, which strict validators accept.
    "OAS_VERSION": "3.1.0",
    "SERVERS": [{"url": SITE_URL}],
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "minimum": 1, "maximum": 10**18 - 1}},  # core.converters
    "ENUM_NAME_OVERRIDES": {
        "TitleType": "catalog.models.TitleType",
        "WalkState": "walks.models.WalkState",
        "StaffState": "staff.models.StaffState",
        "Locale": "config.settings.LANGUAGES",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.schema.postprocess",
    ],
}

# --- Logging: critical errors mail the admins, throttled ---------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "mail_admins": {"level": "ERROR", "class": "core.logging.ThrottledAdminEmailHandler"},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"handlers": ["console", "mail_admins"], "level": "ERROR", "propagate": False},
        "celery.app.trace": {"handlers": ["console", "mail_admins"], "level": "ERROR", "propagate": False},
        "walks.critical": {"handlers": ["console", "mail_admins"], "level": "ERROR", "propagate": False},
    },
}
CSRF_FAILURE_VIEW = "core.views.csrf_failure"

# --- Rate limits ---------------------------------------------------------------------
# Every limit of the site, read through core.ratelimit (ratelimit.check("signin-ip",
# ip) and friends): name -> (events, window in seconds), per key, in fixed windows
# shared by all processes. Names are "<action>-<what the key is>".
RATE_LIMITS = {
    # Failed sign-ins (and wrong current passwords); django-allauth's defaults.
    "signin-account": (ACCOUNTS_LOGIN_FAILURES_PER_ACCOUNT, 5 * 60),
    "signin-ip": (ACCOUNTS_LOGIN_FAILURES_PER_IP, 60),
    # E-mailed codes (sign-up, restore, e-mail change), besides one per address per resend delay.
    "code-send-ip": (ACCOUNTS_CODE_SENDS_PER_IP_HOUR, 60 * 60),
    "code-send-address": (ACCOUNTS_CODE_SENDS_PER_ADDRESS_HOUR, 60 * 60),
    # ChatGPT asking for a profile-edit link: one action serves many people, so
    # its token's limit is generous; one person's mailbox gets a few per quarter hour.
    "gpt-init-token": (120, 60 * 60),
    "gpt-init-user": (3, 15 * 60),
    # The profile-edit page and its load/save API.
    "gpt-edit-ip": (60, 10 * 60),
    # Link offers e-mail someone else: no mail cannon, no probing for accounts.
    "link-offer-user": (10, 60 * 60),
    "link-offer-ip": (30, 60 * 60),
    "link-offer-pair": (5, 24 * 60 * 60),
    # Unknown link secrets presented (256-bit secrets: this only stops hammering).
    "link-secret-user": (20, 10 * 60),
    # Failed staff activations, across all e-mails and codes.
    "staff-activate-ip": (30, 60 * 60),
    # Error mails to the ADMINS, all errors together (core.logging).
    "error-mail-site": (ERROR_MAIL_MAX_PER_HOUR, 60 * 60),
}
