"""Settings for Walks, driven by the environment.

With no environment at all the project runs embedded on one machine: SQLite,
a file cache shared by every worker process, Celery tasks executed eagerly,
e-mail written to files under ``var/mail/`` and a secret key generated once
into ``var/secret_key``. Setting ``DATABASE_URL`` and ``REDIS_URL`` switches to
PostgreSQL, Redis and a real Celery worker.
"""

from __future__ import annotations

import ipaddress
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

# The embedded default derives its host names and SITE_URL from how `make run`
# started it (WALKS_HOST/WALKS_PORT, passed by the Makefile) unless they are set:
# `make run PORT=8101` mails links to 8101; `make run HOST=0.0.0.0` answers a
# phone on the LAN at this machine's address.
_RUN_HOST = env.str("WALKS_HOST", default="127.0.0.1")
_RUN_PORT = env.int("WALKS_PORT", default=8000)
_LAN_ADDRESS = ""
if _RUN_HOST in ("0.0.0.0", "::"):  # noqa: S104 - the address `make run HOST=0.0.0.0` listens on
    import socket

    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as _probe:
            _probe.connect(("192.0.2.1", 9))  # no packet is sent: it only picks the outgoing interface
            _LAN_ADDRESS = _probe.getsockname()[0]
    except OSError:
        _LAN_ADDRESS = ""
_default_hosts = ["127.0.0.1", "localhost", "testserver"]
if _RUN_HOST in ("0.0.0.0", "::"):  # noqa: S104
    _default_hosts.append(_LAN_ADDRESS or "*")
elif _RUN_HOST not in _default_hosts:
    _default_hosts.append(_RUN_HOST)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=_default_hosts)
# The key once committed to the repository signs nothing others can reach
# (core.checks reports it too, should settings change after this point).
for _name, _key in (("DJANGO_SECRET_KEY", SECRET_KEY), ("JWT_SIGNING_KEY", _jwt_signing_key)):
    if secret_key.key_refused(_key, debug=DEBUG, allowed_hosts=ALLOWED_HOSTS):
        raise ImproperlyConfigured(
            f"{_name} is the key committed to the repository, and DJANGO_ALLOWED_HOSTS is not loopback only: "
            "set a secret key of your own (without DATABASE_URL and REDIS_URL, unsetting it keeps a random one "
            "in var/secret_key)."
        )

_site_host = _LAN_ADDRESS or ("127.0.0.1" if _RUN_HOST in ("0.0.0.0", "::") else _RUN_HOST)  # noqa: S104
SITE_URL = env.str("SITE_URL", default=f"http://{_site_host}:{_RUN_PORT}").rstrip("/")
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
    "csp",
    "imports",
    "stats",
    "social",
    "oauth2_provider",
    "assistants",
    # The second factor (accounts.mfa): django-otp's TOTP and static (recovery code) devices.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
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
    "accounts.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.ServiceErrorPageMiddleware",
    "csp.middleware.CSPMiddleware",
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
# Served over https: the browser keeps to it (HSTS) and plain http redirects.
# /healthz stays reachable over plain http for the proxy's own probes.
SECURE_SSL_REDIRECT = SECURE_COOKIES
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=60 * 60 * 24 * 365) if SECURE_COOKIES else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_COOKIES
SECURE_HSTS_PRELOAD = SECURE_COOKIES
# A strict Content-Security-Policy on every response: scripts and styles only
# from our own static files (no inline <script>, style= or on*= handlers),
# images from ourselves plus data:/blob: (the crop preview of an upload).
# The API docs (Swagger UI, ReDoc) loosen style-src for themselves only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# The reverse proxies in front (IPs or CIDRs). Only from these peers is
# X-Forwarded-For believed (core.ratelimit.client_ip); none by default.
TRUSTED_PROXIES = env.list("DJANGO_TRUSTED_PROXIES", default=[])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy.strip(), strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(f"DJANGO_TRUSTED_PROXIES: {_exc}") from None

# --- Auth ---------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.EmailBackend"]
LOGIN_URL = "accounts:signin"
LOGIN_REDIRECT_URL = "home"
# The second factor (accounts.mfa): the name the authenticator app shows, and
# django-otp's own throttling off, since RATE_LIMITS ("mfa-*") is the one table.
OTP_TOTP_ISSUER = "Walks"
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# The admin shows no one's TOTP key or QR code (an admin can still delete a lost device).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
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
# Dates and numbers on pages through Django's localisation, with our own date
# formats per language (config/formats/<lang>/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
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
# Uploaded images are limited to 5 MB; a little headroom for the multipart
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
# A storm of the same error mails the admins at most this often, so that
# one failing page cannot flood their mailbox.
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
    "resume-stale-imports": {
        "task": "imports.tasks.resume_stale_imports",
        "schedule": crontab(minute="*/5"),
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
    # Tombstones of the sync read (core.sync) older than 30 days.
    "purge-walk-deletions": {
        "task": "walks.tasks.purge_walk_deletions",
        "schedule": crontab(hour=4, minute=29),
    },
    "purge-review-deletions": {
        "task": "reviews.tasks.purge_review_deletions",
        "schedule": crontab(hour=4, minute=31),
    },
    # The kept walk counts (walks.tally) against a fresh count; drift repaired and logged.
    "reconcile-walk-tallies": {
        "task": "walks.tasks.reconcile_walk_tallies",
        "schedule": crontab(minute=47),
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
    "PATH_CONVERTER_OVERRIDES": {  # core.converters
        "id": {"type": "integer", "minimum": 1, "maximum": 10**18 - 1},
        "yyyy": {"type": "integer", "minimum": 1000, "maximum": 9999},
    },
    "ENUM_NAME_OVERRIDES": {
        "TitleType": "catalog.models.TitleType",
        "WalkState": "walks.models.WalkState",
        "StaffState": "staff.models.StaffState",
        "Locale": "config.settings.LANGUAGES",
        # Every provider a title's id may come from, and the three a title can be fetched from.
        "Provider": "catalog.models.Provider",
        "FetchProvider": ["tmdb", "igdb", "anilist"],
        # The features' enums, named for a generated client (drf-spectacular's "StatusEnum" would
        # take a hash suffix as soon as a second "status" appears).
        "ImportSource": ["letterboxd", "imdb", "mal", "hltb", "walks"],
        "ImportMode": ["new", "overwrite"],
        "ImportHeld": ["in_progress", "skip"],
        "ImportStatus": ["preview", "queued", "running", "done", "failed"],
        "FollowStatus": ["pending", "approved"],
        "FollowRequestAction": ["approve", "decline"],
        "FeedEntryKind": ["walk", "review"],
        "CodePurpose": ["signup", "change"],
        "ExportFormat": ["json", "zip", "letterboxd"],
        "CreatorType": ["user", "service_token"],
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
    # "Not found" lookups of one ChatGPT user (or conversation; the token when it names
    # neither), apart from the sends above: probing addresses stops here, for that caller only.
    "gpt-init-miss-caller": (10, 60 * 60),
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
    # Wrong activation codes for one e-mail: from one address, and from all of them
    # (these, not a per-code counter, stop guessing; nobody can kill someone's code).
    "staff-activate-pair": (5, 60 * 60),
    "staff-activate-address": (20, 60 * 60),
    # Searches sent to a metadata provider (per person, or per address when
    # signed out), and titles a person adds from one.
    "provider-search": (30, 60),
    "provider-add-user": (30, 60 * 60),
    # Histories imported and exported per person: parsing and planning a large
    # file costs seconds, an export reads the whole history; a few an hour is plenty.
    "import-upload-user": (20, 60 * 60),
    "export-user": (20, 60 * 60),
    # Assistants: tool calls per OAuth token, and clients registered per address.
    "mcp-token": (60, 60),
    "oauth-register-ip": (20, 60 * 60),
    # Avatars and covers uploaded per person: each is decoded and re-encoded.
    "image-upload-user": (20, 10 * 60),
    # Error mails to the ADMINS, all errors together (core.logging).
    "error-mail-site": (ERROR_MAIL_MAX_PER_HOUR, 60 * 60),
    # Wrong second-factor codes (sign-in, API ticket, turning it off): 3 of 10^6
    # codes are valid at a time, so 5 tries per quarter hour is ~0.15 % a day.
    "mfa-user": (5, 15 * 60),
    "mfa-ip": (20, 15 * 60),
}

# --- Metadata providers and object storage (catalog/providers/) ----------------------------
# A provider without credentials is absent. Each base URL can be overridden
# (a proxy, or a local fake in tests); a provider's image URL is also the one
# host its covers may be downloaded from.
TMDB_API_KEY = env.str("TMDB_API_KEY", default="")  # a v3 API key, or a v4 read-access token (a JWT)
TMDB_API_URL = env.str("TMDB_API_URL", default="https://api.themoviedb.org/3").rstrip("/")
TMDB_IMAGE_URL = env.str("TMDB_IMAGE_URL", default="https://image.tmdb.org/t/p/w500").rstrip("/")
IGDB_CLIENT_ID = env.str("IGDB_CLIENT_ID", default="")
IGDB_CLIENT_SECRET = env.str("IGDB_CLIENT_SECRET", default="")
IGDB_API_URL = env.str("IGDB_API_URL", default="https://api.igdb.com/v4").rstrip("/")
IGDB_TOKEN_URL = env.str("IGDB_TOKEN_URL", default="https://id.twitch.tv/oauth2/token")
IGDB_IMAGE_URL = env.str("IGDB_IMAGE_URL", default="https://images.igdb.com/igdb/image/upload").rstrip("/")
ANILIST_ENABLED = env.bool("ANILIST_ENABLED", default=True)
ANILIST_API_URL = env.str("ANILIST_API_URL", default="https://graphql.anilist.co").rstrip("/")
ANILIST_IMAGE_URL = env.str("ANILIST_IMAGE_URL", default="https://s4.anilist.co/file/anilistcdn").rstrip("/")
# Per request: seconds to connect and to read; retries of a 429 or 5xx (or a
# timeout), waiting as the provider's Retry-After says up to the cap.
PROVIDER_TIMEOUT_SECONDS = env.float("PROVIDER_TIMEOUT_SECONDS", default=5.0)
PROVIDER_RETRIES = env.int("PROVIDER_RETRIES", default=2)
PROVIDER_RETRY_AFTER_MAX_SECONDS = env.float("PROVIDER_RETRY_AFTER_MAX_SECONDS", default=5.0)
PROVIDER_COVER_MAX_BYTES = env.int("PROVIDER_COVER_MAX_BYTES", default=5 * 1024 * 1024)
# Covers and avatars go through Django's storage API; with a bucket set they
# live in S3-compatible object storage (django-storages), shared by every web node.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "access_key": env.str("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "custom_domain": env.str("AWS_S3_CUSTOM_DOMAIN", default="") or None,
            # Covers are public images with random names: plain URLs, no signatures.
            "querystring_auth": env.bool("AWS_QUERYSTRING_AUTH", default=False),
            "default_acl": env.str("AWS_DEFAULT_ACL", default="") or None,
            "file_overwrite": False,
        },
    }


# Covers come from the providers' image hosts (and from the bucket or its CDN
# when one is set): the CSP lets <img> load from exactly those origins.
def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    if not url:
        return ""
    parts = urlsplit(url if "//" in url else f"https://{url}")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


for _url in (
    TMDB_IMAGE_URL,
    IGDB_IMAGE_URL,
    ANILIST_IMAGE_URL,
    env.str("AWS_S3_CUSTOM_DOMAIN", default="") if AWS_STORAGE_BUCKET_NAME else "",
    env.str("AWS_S3_ENDPOINT_URL", default="") if AWS_STORAGE_BUCKET_NAME else "",
):
    _img_origin = _origin(_url)
    if _img_origin and _img_origin not in CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"]:
        CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(_img_origin)
if (
    AWS_STORAGE_BUCKET_NAME
    and not env.str("AWS_S3_CUSTOM_DOMAIN", default="")
    and not env.str("AWS_S3_ENDPOINT_URL", default="")
):
    # AWS's own endpoint: the bucket's virtual host (global, and regional when a region is set).
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(f"https://{AWS_STORAGE_BUCKET_NAME}.s3.amazonaws.com")
    if _region := env.str("AWS_S3_REGION_NAME", default=""):
        CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(
            f"https://{AWS_STORAGE_BUCKET_NAME}.s3.{_region}.amazonaws.com"
        )
# httpx logs every request URL at INFO, and TMDB's v3 key rides in the query string.
LOGGING["loggers"]["httpx"] = {"handlers": ["console"], "level": "WARNING", "propagate": False}

# --- Imports (imports app): uploaded histories ---------------------------------------
IMPORT_MAX_UPLOAD_BYTES = env.int("IMPORT_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
IMPORT_MAX_UNPACKED_BYTES = env.int("IMPORT_MAX_UNPACKED_BYTES", default=100 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=100_000)
LARGE_UPLOAD_PATHS = {
    "/api/v1/imports": IMPORT_MAX_UPLOAD_BYTES + 262_144,
    "/imports/": IMPORT_MAX_UPLOAD_BYTES + 262_144,
}

# --- Assistants: MCP server at /mcp and its OAuth 2.1 authorization server ----------------------
# The MCP endpoint is the protected resource (RFC 8707 / RFC 9728); Walks itself
# is the authorization server (django-oauth-toolkit), on the same origin.
MCP_RESOURCE = env.str("MCP_RESOURCE", default=SITE_URL + "/mcp")
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER = {
    "SCOPES": {"walks:read": "Read your walks, reviews and the catalogue", "walks:write": "Record walks and reviews"},
    "DEFAULT_SCOPES": ["walks:read"],
    "PKCE_REQUIRED": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"],  # http for loopback only: assistants.services checks it
    "ALLOW_LOCALHOST_LOOPBACK": True,  # RFC 8252: a native client's loopback port may change
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("MCP_ACCESS_TOKEN_SECONDS", default=3600),
    "REFRESH_TOKEN_EXPIRE_SECONDS": env.int("MCP_REFRESH_TOKEN_SECONDS", default=60 * 60 * 24 * 30),
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    "OAUTH2_VALIDATOR_CLASS": "assistants.oauth.WalksOAuth2Validator",
    "OIDC_ISS_ENDPOINT": SITE_URL,  # the issuer and every advertised endpoint come from SITE_URL, never the Host header
    "OAUTH2_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_GRANT_TYPES_SUPPORTED": ["authorization_code", "refresh_token"],
    "OAUTH2_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": ["none"],
    "OAUTH2_PROTECTED_RESOURCE_IDENTIFIER": MCP_RESOURCE,
    "OAUTH2_PROTECTED_RESOURCE_AUTHORIZATION_SERVERS": [SITE_URL],
    "OAUTH2_PROTECTED_RESOURCE_NAME": "Walks",
    "OAUTH2_PROTECTED_RESOURCE_POLICY_URI": SITE_URL + "/privacy/",
    # RFC 9700: S256 only, no implicit or password grant, tokens hashed at rest
    # (only their SHA-256 is stored), the issuer in every authorization response.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}
CELERY_BEAT_SCHEDULE["purge-oauth-clients"] = {
    "task": "assistants.tasks.purge_oauth",
    "schedule": crontab(hour=5, minute=7),
}

# oauth2_provider.W008 warns that http redirect URIs are allowed: they are, for
# native assistants' loopback callbacks only (RFC 8252), which
# assistants.services enforces for every registered client.
SILENCED_SYSTEM_CHECKS = ["oauth2_provider.W008"]

# Review writes mark their titles and queue one drain (reviews.services);
# this minute drain picks up marks whose queued drain was lost.
CELERY_BEAT_SCHEDULE["drain-rating-marks"] = {
    "task": "reviews.tasks.drain_rating_marks",
    "schedule": crontab(minute="*"),
}
