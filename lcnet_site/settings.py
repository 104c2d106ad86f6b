"""lcnet settings: one file, driven by environment variables (django-environ).

With no DATABASE_URL the app uses an embedded SQLite file and with no CELERY_BROKER_URL tasks run
in-process (eager): that is the demo mode. Production and the tests use Postgres and Redis.
"""
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from lcnet_site.storage import local_storage, s3_storage

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:  # a guessable key signs sessions, CSRF tokens and password resets: never in production
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment or in .env (a long random string, e.g. "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'), or run with DEBUG=true for development.")
    SECRET_KEY = "lcnet-insecure-development-key"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# HTTPS (docs/operations.md, "Production settings"): on unless DEBUG; LCNET_HTTPS=false for plain-HTTP runs on
# loopback (the demo, the tests' own servers). Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
LCNET_HTTPS = env.bool("LCNET_HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LCNET_HTTPS
SECURE_SSL_REDIRECT = LCNET_HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if LCNET_HTTPS else None
SECURE_HSTS_SECONDS = env.int("LCNET_HSTS_SECONDS", default=31_536_000 if LCNET_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("LCNET_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("LCNET_HSTS_PRELOAD", default=True)
# Content-Security-Policy of every answer (lcnet_site/csp.py): scripts from this origin or with the request's nonce.
LCNET_CSP = env.bool("LCNET_CSP", default=True)

INSTALLED_APPS = [
    "lcnet_site.admin_site.LcnetAdminConfig",  # django.contrib.admin, open to the admin role
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",  # login lockout (AXES_* below)
    "lcnet_site.outbox",  # background jobs as rows (below every app: each may enqueue)
    "imagery",
    "guesslabels",
    "annotation",
    "consensus",
    "export",
    "demo",
    "frontend",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "lcnet_site.request_guard.RequestGuardMiddleware",  # NUL bytes and oversized API bodies, before any view
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "lcnet_site.csp.ContentSecurityPolicyMiddleware",
    "lcnet_site.health.DatabaseOutageMiddleware",  # a database outage met by a view: 503, not a 500
    "axes.middleware.AxesMiddleware",  # a locked-out login (page or admin) answers 429
]

ROOT_URLCONF = "lcnet_site.urls"
WSGI_APPLICATION = "lcnet_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "lcnet_site" / "templates"],  # site-wide overrides (admin index)
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

# Database: Postgres (psycopg2) is the database of record; SQLite only for the demo.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'lcnet.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# Postgres starts no parallel workers for a query unless LCNET_DB_PARALLEL_WORKERS says how many: every request
# path reads a bounded handful of index entries, and starting a worker costs more (~10 ms on an annotator's
# `me/tasks/next/`, which the planner parallelised once the campaign was big enough), and on shared cores takes
# CPU from the other requests. docs/operations.md, "Indexes and summaries".
LCNET_DB_PARALLEL_WORKERS = env.int("LCNET_DB_PARALLEL_WORKERS", default=0)
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c max_parallel_workers_per_gather={LCNET_DB_PARALLEL_WORKERS}")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: a locked-out login stops here, even with the right password
    "django.contrib.auth.backends.ModelBackend",
    "lcnet_site.auth_backends.AdminRoleBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in ("UserAttributeSimilarityValidator", "MinimumLengthValidator", "CommonPasswordValidator",
                 "NumericPasswordValidator")
]
# Login lockout (django-axes) of the login page and the admin's: after LCNET_LOGIN_FAILURE_LIMIT wrong passwords
# for one username from one address, that username is refused from there (even its right password) for
# LCNET_LOGIN_LOCKOUT_MINUTES. Per username *and* address: an office behind one NAT address is not locked out by
# one forgetful colleague, and nobody can lock an account from elsewhere. 0 failures: no lockout.
LCNET_LOGIN_FAILURE_LIMIT = env.int("LCNET_LOGIN_FAILURE_LIMIT", default=5)
AXES_ENABLED = LCNET_LOGIN_FAILURE_LIMIT > 0
AXES_FAILURE_LIMIT = max(LCNET_LOGIN_FAILURE_LIMIT, 1)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("LCNET_LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True  # a right password before the limit starts the count again
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/label/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Files: imagery COGs, guess labels, models and exports all go through Django's storage API.
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
LCNET_S3_BUCKET = env("LCNET_S3_BUCKET", default="")
if LCNET_S3_BUCKET:  # docs/operations.md "Deployment": every process then shares nothing on disk
    _default_storage = s3_storage(LCNET_S3_BUCKET, prefix=env("LCNET_S3_PREFIX", default=""),
                                  region=env("AWS_S3_REGION_NAME", default="") or None,
                                  endpoint_url=env("AWS_S3_ENDPOINT_URL", default="") or None)
else:
    _default_storage = local_storage(MEDIA_ROOT, MEDIA_URL)
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True  # serve app static files without collectstatic (demo, tests)
WHITENOISE_AUTOREFRESH = DEBUG

# Celery: Redis broker; eager (in-process) when no broker is configured.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True  # a task lost with its worker is redelivered; tasks are idempotent
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = env("LCNET_CELERY_QUEUE", default="lcnet")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A message a lost worker never acknowledged comes back after the visibility timeout: just above the longest task
# (a guess-label training run), so a live worker's message is never handed to a second one meanwhile.
LCNET_LONGEST_TASK_S = env.int("LCNET_LONGEST_TASK_S", default=1800)
CELERY_TASK_TIME_LIMIT = LCNET_LONGEST_TASK_S
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": LCNET_LONGEST_TASK_S + 60}
CELERY_BROKER_CONNECTION_TIMEOUT = 2  # a broker that is down answers the hand-off fast (the sweep redoes it)
# Outbox (lcnet_site/outbox, docs/operations.md "Reliability"): leases, retries and the sweep run by Celery beat.
OUTBOX_LEASE_S = env.int("OUTBOX_LEASE_S", default=300)  # a running job not done (nor heartbeating) by then is redone
OUTBOX_HEARTBEAT_S = env.float("OUTBOX_HEARTBEAT_S", default=5)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=5)
OUTBOX_RETRY_BASE_S = env.float("OUTBOX_RETRY_BASE_S", default=5)  # backoff: base × 2^(attempt−1), at most 300 s
OUTBOX_HANDOFF_GRACE_S = env.float("OUTBOX_HANDOFF_GRACE_S", default=60)  # pending longer than this: handed again
OUTBOX_SWEEP_S = env.float("OUTBOX_SWEEP_S", default=60)
CELERY_BEAT_SCHEDULE = {"outbox-sweep": {"task": "outbox.sweep", "schedule": OUTBOX_SWEEP_S}}

# API
REST_FRAMEWORK = {
    # Token first: DRF words a refusal with the first class's scheme, so an anonymous or bad-token caller gets 401
    # with `WWW-Authenticate: Token` (session first would make it a 403). The page's session (with its CSRF check on
    # writes) is the second way in; a request carries one or the other. A token is looked up on every request: a
    # deleted token or a deactivated user is refused at once.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "lcnet_site.token_auth.TokenAuthentication",  # first: 401 + WWW-Authenticate; one prepared query
        "rest_framework.authentication.SessionAuthentication",
    ],
    # JSON bodies only (DRF's parser, with too-deep nesting a 400 too): every client, the labeling page included,
    # sends JSON; a form or multipart body is a 415, not a half-read 400 (and the schema offers JSON alone).
    "DEFAULT_PARSER_CLASSES": ["lcnet_site.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # rates LCNET_API_THROTTLE_USER / _ANON, read per request (lcnet_site/throttles.py)
    "DEFAULT_THROTTLE_CLASSES": ["lcnet_site.throttles.UserThrottle", "lcnet_site.throttles.AnonThrottle"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "lcnet_site.exception_handler.exception_handler",
}
SPECTACULAR_SETTINGS = {
    # one name for the flag reasons, which three serializers share
    "ENUM_NAME_OVERRIDES": {"FlagReasonEnum": "annotation.models.FlagReason"},
    "TITLE": "lcnet API",
    "DESCRIPTION": "Land-cover training data from Sentinel-2: imagery, labeling, consensus and export.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # every operation's error answers (400/401/403/404/409/413/415/429) with the one error body
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "lcnet_site.openapi.document_errors"],
}

# lcnet (deployment settings; the campaign's own knobs are LCNET_CAMPAIGN below)
LCNET_IMAGERY_CACHE_MB = env.int("LCNET_IMAGERY_CACHE_MB", default=256)  # decoded scenes kept per process
# The dashboard's and /api/stats/progress/'s counts are at most this old (they say when they were counted).
LCNET_PROGRESS_MAX_AGE_S = env.int("LCNET_PROGRESS_MAX_AGE_S", default=15)
# API request bodies above this many bytes get a 413 unread (a save is ~2.2 KB; lcnet_site/request_guard.py).
LCNET_API_MAX_BODY_BYTES = env.int("LCNET_API_MAX_BODY_BYTES", default=256 * 1024)
# API throttle (lcnet_site/throttles.py): requests per signed-in user and per anonymous address, "N/second|minute|
# hour|day", "0" off. The labeling page sends a few dozen requests per task (layers of each date): far below.
LCNET_API_THROTTLE_USER = env("LCNET_API_THROTTLE_USER", default="6000/hour")
LCNET_API_THROTTLE_ANON = env("LCNET_API_THROTTLE_ANON", default="600/hour")
# Where throttle counts live: one process's memory unless CACHE_URL names a shared cache (redis://…/2), so that
# several web processes count together.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
# On Postgres the submit path runs hand-written prepared SQL (annotation/sql.py); false: the ORM (benchmarking).
LCNET_SUBMIT_SQL = env.bool("LCNET_SUBMIT_SQL", default=True)
# Class-mapping table for reference land-cover rasters ("": guesslabels/lib/mappings/globeland30.csv).
LCNET_GUESS_MAPPING = env("LCNET_GUESS_MAPPING", default="")
# The campaign's knobs (lcnet_site/campaign.py, docs/campaign.md); only those set here override the defaults.
LCNET_CAMPAIGN = {
    key: cast(env.str(var))
    for key, var, cast in (
        ("consensus_method", "LCNET_CONSENSUS_METHOD", str),  # bayes | dawid-skene
        ("prior_accuracy", "LCNET_PRIOR_ACCURACY", float),  # annotators without references
        ("dawid_skene_refit_delay_s", "LCNET_DAWID_SKENE_REFIT_DELAY_S", int),
        ("annotators_per_chip", "LCNET_ANNOTATORS_PER_CHIP", int),
        ("reference_tasks", "LCNET_REFERENCE_TASKS", int),
        ("reference_wide_interval", "LCNET_REFERENCE_WIDE_INTERVAL", float),
        ("reference_uncertain_share", "LCNET_REFERENCE_UNCERTAIN_SHARE", float),
        ("accuracy_min_task_pixels", "LCNET_ACCURACY_MIN_TASK_PIXELS", int),
        ("accuracy_min_pixels", "LCNET_ACCURACY_MIN_PIXELS", int),
        ("weak_task_pixels", "LCNET_WEAK_TASK_PIXELS", int),
        ("weak_task_probability", "LCNET_WEAK_TASK_PROBABILITY", float),
        ("weak_task_action", "LCNET_WEAK_TASK_ACTION", str),  # annotator | expert | off
        ("export_collection_id", "LCNET_EXPORT_COLLECTION_ID", str),
        ("export_license", "LCNET_EXPORT_LICENSE", str),
        ("acquire_scenes_per_chip", "LCNET_ACQUIRE_SCENES_PER_CHIP", int),
        ("acquire_max_tile_cloud_pct", "LCNET_ACQUIRE_MAX_TILE_CLOUD_PCT", float),
        ("acquire_max_chip_nodata_pct", "LCNET_ACQUIRE_MAX_CHIP_NODATA_PCT", float),
        ("guess_default_mapping", "LCNET_GUESS_DEFAULT_MAPPING", str),  # a table in guesslabels/lib/mappings
        ("guess_max_gap_days", "LCNET_GUESS_MAX_GAP_DAYS", int),
        ("guess_retrain_chips", "LCNET_GUESS_RETRAIN_CHIPS", int),
        ("guess_campaign_chips_per_tile", "LCNET_GUESS_CAMPAIGN_CHIPS_PER_TILE", int),
    )
    if env.str(var, default="")
}
LCNET_PUBLIC_URL = env("LCNET_PUBLIC_URL", default="")  # origin in exported STAC source links ("": the request's)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
