"""Django settings, all taken from the environment (twelve-factor).

Development: ``DEBUG=1`` gives a dev-only secret key, SQLite and in-process
tasks, so one command on a fresh machine runs the app. Production
(``DEBUG`` unset or 0) refuses to start without ``SECRET_KEY`` and
``ALLOWED_HOSTS``, and turns on HTTPS-only cookies, HSTS and the SSL redirect.
A malformed value (``DEBUG=maybe``) raises at start rather than guessing.
"""

import re
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parents[2]  # the checkout: advisor/config/settings.py

env = environ.Env()


def _strict_bool(name: str, default: bool) -> bool:
    # django-environ reads any unknown word as False; a typo must not turn a
    # production switch off silently.
    raw = env.str(name, default="").strip().lower()
    if raw == "":
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false).")


def _rate(name: str, default: str) -> str:
    # DRF would only fail on the first throttled request; a typo must stop the start instead.
    value = env.str(name, default=default).strip()
    if not re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", value):
        raise ImproperlyConfigured(f"{name}={value!r} is not a rate such as 100/min.")
    return value


_REDIS_CACHES = {"django_redis.cache.RedisCache", "django.core.cache.backends.redis.RedisCache"}


def cache_config(url: str) -> dict:
    """Django's cache from a URL such as ``CACHE_URL``; Redis through django-redis, failing open.

    Throttle counters and drawn charts live in the cache, and neither is worth an error page
    (an import's progress is in the database: its chunks add their rows as they are staged).
    While Redis is down or hung, a read finds nothing and a write is dropped, after half a
    second at most, each with a warning in the log (``advisor.config.logs``): the API and page
    throttles then let every request through until Redis is back (availability over rate
    limiting), and the dashboard draws its charts again. Options given in the URL's query win.
    """
    config = environ.Env.cache_url_config(url)
    # django-environ picks django-redis only because it is importable; name it, since the
    # options below are its own.
    if config["BACKEND"] in _REDIS_CACHES:
        config["BACKEND"] = "django_redis.cache.RedisCache"
        config["OPTIONS"] = {
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": 0.5,
            "SOCKET_TIMEOUT": 0.5,
            **config.get("OPTIONS", {}),
        }
    return config


DEBUG = _strict_bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-dev-only-key-never-use-in-production")
else:
    SECRET_KEY = env.str("SECRET_KEY")  # ImproperlyConfigured when missing: no production default
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters in production.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "axes",
    "advisor",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, so static files keep their long cache; everything else is team data.
    "advisor.web.middleware.PrivateNoStoreMiddleware",
    # Before anything reads a body: an API body over its route's limit is a JSON 400 unread.
    "advisor.web.middleware.ApiBodyLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # A page whose database is down answers 503 + Retry-After (the API: advisor.api.errors).
    "advisor.web.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Content Security Policy: every script and style comes from our own static files.
# No 'unsafe-inline' and no 'unsafe-eval': charts use plotly.js's strict bundle,
# their data travels as JSON (json_script), and templates carry no inline handlers.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

ROOT_URLCONF = "advisor.config.urls"
WSGI_APPLICATION = "advisor.config.wsgi.application"

# The capability packages of advisor/ (README, "Architecture"), each with its own templates.
CAPABILITIES = ("workloads", "simulations", "reports", "portfolio", "accounts", "calibration")

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Site-wide templates (base, error pages, sign-in, chart partials), then each capability's own;
        # names stay "advisor/...", "partials/...", "reports/..." wherever the file lives.
        "DIRS": [
            BASE_DIR / "templates",
            *(BASE_DIR / "advisor" / capability / "templates" for capability in CAPABILITIES),
        ],
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

# PostgreSQL (psycopg 3) when DATABASE_URL is set; otherwise a SQLite file so
# the app runs with no services at all.
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # In-process background work (BACKGROUND_IN_PROCESS) writes from a thread beside the requests.
    # SQLite has one writer at a time: a writer waits for the lock (timeout, seconds) instead of
    # failing with "database is locked", and takes it when its transaction begins (IMMEDIATE), so
    # two transactions that read and then write never deadlock on upgrading their locks.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-axes first: it refuses a locked-out sign-in before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Brute-force protection: a lock holds one username from one address, so an attacker
# elsewhere cannot lock the real user out of their own account by guessing.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
if AXES_FAILURE_LIMIT < 1 or AXES_COOLOFF_TIME <= timedelta(0):
    raise ImproperlyConfigured("AXES_FAILURE_LIMIT and AXES_COOLOFF_MINUTES must be positive.")
AXES_RESET_ON_SUCCESS = True
# django-axes logs every sign-in and sign-out at INFO whatever AXES_VERBOSE says (that setting
# only drops its start banner and the user agent from its messages), so its logger is set to
# WARNING in LOGGING below: wrong passwords and lockouts, which axes logs as warnings, remain.
AXES_LOCKOUT_CALLABLE = "advisor.web.security.lockout_response"  # our page, 429, Retry-After
# One notion of "the client's address" for sign-in locks and API throttling: REMOTE_ADDR,
# or with TRUSTED_PROXY_COUNT proxies in front, the address the outermost one saw in
# X-Forwarded-For (DRF's rule). Trusting the header without a proxy would let an attacker
# pick a fresh address for every guess.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")
AXES_CLIENT_IP_CALLABLE = "advisor.web.security.client_ip"

# Throttle counters live here; use Redis in production so every web process shares them.
# A Redis outage degrades instead of failing requests: see cache_config (throttles fail open).
CACHES = {"default": cache_config(env.str("CACHE_URL", default="locmemcache://"))}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True  # one warning per failed call, reshaped by advisor.config.logs

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "workload-list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Development (and the test suite, which flips DEBUG off at run time) serves
# static files straight from the app directories; production from STATIC_ROOT
# after collectstatic.
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed files in production (after collectstatic); plain in development.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

# Celery: with no broker, tasks run in-process so no Redis is needed to try the app.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=None) or None
# A task is acknowledged only once it finished, and a worker that dies mid-task
# hands it back: simulation chunks are idempotent, so running one twice is safe,
# losing one is not.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# One message at a time per process, so a long chunk never holds others hostage.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True  # results live in PostgreSQL, on the SimulationRun
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
# A chunk of 100 paths takes about a second; these limits only stop a runaway.
SIMULATION_CHUNK_SOFT_LIMIT_S = env.int("SIMULATION_CHUNK_SOFT_LIMIT_S", default=240)
SIMULATION_CHUNK_HARD_LIMIT_S = SIMULATION_CHUNK_SOFT_LIMIT_S + 60
# Redis redelivers an unacknowledged message after this long: above the longest task.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=SIMULATION_CHUNK_HARD_LIMIT_S * 4),
    # Fail fast when Redis is down, so a request says "queued" instead of hanging.
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Deliveries of one piece of background work (a simulation chunk, a render, an import) before it is
# marked failed (reason attempts_exhausted). SIMULATION_MAX_ATTEMPTS is its deprecated former name.
JOB_MAX_ATTEMPTS = env.int("JOB_MAX_ATTEMPTS", default=env.int("SIMULATION_MAX_ATTEMPTS", default=3))
if JOB_MAX_ATTEMPTS < 1:
    raise ImproperlyConfigured("JOB_MAX_ATTEMPTS must be at least 1.")
# Without a broker, background work runs in this process: "thread" beside the request (it answers
# at once and the progress pages show the work), "eager" inside it before it answers (the tests, for
# determinism; a script that wants the result in hand).
BACKGROUND_IN_PROCESS = env.str("BACKGROUND_IN_PROCESS", default="thread")
if BACKGROUND_IN_PROCESS not in ("thread", "eager"):
    raise ImproperlyConfigured(f"BACKGROUND_IN_PROCESS={BACKGROUND_IN_PROCESS!r} must be thread or eager.")
# Runs queued or running at once per team; one more is refused (429) rather than queued, so one
# member cannot fill the workers with hours of work. 3 lets a team compare a few versions at once
# (or three members run one each); with SIMULATION_CHUNKS_QUEUED_PER_RUN at 2, a team then never
# has more than 6 chunks in the queue ahead of another team's new run.
SIMULATION_MAX_RUNS_IN_FLIGHT_PER_TEAM = env.int("SIMULATION_MAX_RUNS_IN_FLIGHT_PER_TEAM", default=3)
# Chunks of one run in the broker at once; each finished chunk sends the run's next one, so runs
# take turns and a new run's first chunk waits behind a few chunks per run, not thousands.
# 2 rather than 1: the run's next chunk is already queued when a worker finishes one.
SIMULATION_CHUNKS_QUEUED_PER_RUN = env.int("SIMULATION_CHUNKS_QUEUED_PER_RUN", default=2)
if SIMULATION_MAX_RUNS_IN_FLIGHT_PER_TEAM < 1 or SIMULATION_CHUNKS_QUEUED_PER_RUN < 1:
    raise ImproperlyConfigured(
        "SIMULATION_MAX_RUNS_IN_FLIGHT_PER_TEAM and SIMULATION_CHUNKS_QUEUED_PER_RUN must be positive."
    )
# A chunk not finished this long after it was last touched is enqueued again.
SIMULATION_STALE_AFTER_S = env.int("SIMULATION_STALE_AFTER_S", default=SIMULATION_CHUNK_HARD_LIMIT_S + 30)
CELERY_BEAT_SCHEDULE = {
    "requeue-stale-simulations": {"task": "advisor.simulations_requeue_stale", "schedule": 30.0},
    "requeue-stale-imports": {"task": "advisor.portfolio_imports_requeue_stale", "schedule": 60.0},
    # Reports too: a GET never sends work, so nobody else would notice a lost render.
    "requeue-stale-reports": {"task": "advisor.reports_requeue_stale", "schedule": 60.0},
    "purge-expired-idempotency-keys": {"task": "advisor.idempotency_keys_purge", "schedule": 3600.0},
}
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
# A task that meets a transient database error (PostgreSQL restarting, a dropped connection) is
# sent again after 0..2, 0..4, 0..8 ... s (Celery's full jitter, capped at the maximum), instead of
# being acknowledged as done: 10 retries span about 5 minutes on average, 10 at most, which covers
# a database restart; beyond that beat's stale rules below take over.
TASK_RETRY_BACKOFF_S = env.int("TASK_RETRY_BACKOFF_S", default=2)
TASK_RETRY_BACKOFF_MAX_S = env.int("TASK_RETRY_BACKOFF_MAX_S", default=120)
TASK_MAX_RETRIES = env.int("TASK_MAX_RETRIES", default=10)
if TASK_RETRY_BACKOFF_S < 1 or TASK_RETRY_BACKOFF_MAX_S < TASK_RETRY_BACKOFF_S or TASK_MAX_RETRIES < 0:
    raise ImproperlyConfigured(
        "TASK_RETRY_BACKOFF_S must be positive and at most TASK_RETRY_BACKOFF_MAX_S; "
        "TASK_MAX_RETRIES at least 0."
    )

# PDF reports: charts are exported to SVG by Debian's Chromium (kaleido, no CDN).
CHART_BROWSER_PATH = env.str("CHROMIUM_PATH", default="/usr/bin/chromium")
# A worker keeps its browser open this long after a report (0: one browser per report),
# saving the ~3 s Chromium and plotly.js take to start. Only workers render when a broker is set.
CHART_BROWSER_IDLE_S = env.int("CHART_BROWSER_IDLE_S", default=0 if CELERY_TASK_ALWAYS_EAGER else 300)
# Each Celery worker process opens its browser as it starts and keeps it (advisor/reports/worker_hooks.py).
CHART_BROWSER_AT_WORKER_START = env.bool("CHART_BROWSER_AT_WORKER_START", default=True)
REPORT_RENDER_SOFT_LIMIT_S = env.int("REPORT_RENDER_SOFT_LIMIT_S", default=120)
REPORT_RENDER_HARD_LIMIT_S = REPORT_RENDER_SOFT_LIMIT_S + 30
# A render (a few seconds) unfinished this long is lost (its worker died, or its message went
# with a restarted broker): beat sends it again. Above the hard limit, so a slow render is not
# run twice; with beat every minute, a lost render starts again within about 4 minutes.
REPORT_STALE_AFTER_S = env.int("REPORT_STALE_AFTER_S", default=REPORT_RENDER_HARD_LIMIT_S + 30)

# Portfolio import: 10,000 rows take about 5 minutes on one worker (~25 ms of engine time a row).
IMPORT_SOFT_LIMIT_S = env.int("IMPORT_SOFT_LIMIT_S", default=1800)
IMPORT_HARD_LIMIT_S = IMPORT_SOFT_LIMIT_S + 60
# A running import touches its heartbeat this often (from a thread of its own, since its rows
# commit only at the end); beat treats one silent for IMPORT_STALE_AFTER_S as lost and sends it
# again, so a dead worker costs about 3 minutes (stale + beat's minute), not the 31-minute limit.
# A message delivered again watches the heartbeat for 2.5 beats to tell a dead worker from a live one.
IMPORT_HEARTBEAT_S = env.int("IMPORT_HEARTBEAT_S", default=5)
IMPORT_STALE_AFTER_S = env.int("IMPORT_STALE_AFTER_S", default=120)
if not 0 < IMPORT_HEARTBEAT_S * 3 <= IMPORT_STALE_AFTER_S:
    raise ImproperlyConfigured(
        "IMPORT_STALE_AFTER_S must be at least three IMPORT_HEARTBEAT_S, "
        "so one late heartbeat does not send a running import twice."
    )
# Workers assess an import in chunks of this many rows, in parallel; a chunk's results
# (about 0.2 MB of advice a row in memory) are staged at once, so this bounds a worker's memory.
IMPORT_CHUNK_ROWS = env.int("IMPORT_CHUNK_ROWS", default=200)
if IMPORT_CHUNK_ROWS < 1:
    raise ImproperlyConfigured("IMPORT_CHUNK_ROWS must be at least 1.")
# An uploaded file is read into memory; 10,000 rows of every field fit in about 5 MB.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
# Exported usage files read at once to calibrate a workload (a month of REPORT lines and metrics).
CALIBRATION_MAX_BYTES = env.int("CALIBRATION_MAX_BYTES", default=50 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_BYTES  # a JSON body of 10,000 profiles, too
# Every API body but an import's (IMPORT_MAX_BYTES): a whole profile is under 2 KB, so 64 KiB
# is room to spare, while 600,000 unknown keys (11 MB) held a worker for 10-19 s to refuse.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=64 * 1024)
if API_MAX_BODY_BYTES < 1024 or IMPORT_MAX_BYTES < API_MAX_BODY_BYTES:
    raise ImproperlyConfigured("API_MAX_BODY_BYTES must be at least 1024 and at most IMPORT_MAX_BYTES.")
if CALIBRATION_MAX_BYTES < 1024:
    raise ImproperlyConfigured("CALIBRATION_MAX_BYTES must be at least 1024.")

# Idempotency-Key (advisor.api.idempotency). A key still "being processed" this long after its
# request began belongs to a request that died (worker killed, database lost before the answer
# was stored): the next retry takes it over. It must exceed the longest request the web tier
# lets live, gunicorn's 30 s timeout (Dockerfile), or a slow request could run twice.
IDEMPOTENCY_PENDING_TIMEOUT_S = env.int("IDEMPOTENCY_PENDING_TIMEOUT_S", default=120)
# Retries come within minutes or hours; a day covers them (as Stripe's keys do), and then a key
# counts as new and beat deletes its row, so the table stays the size of one day's POSTs.
IDEMPOTENCY_KEY_DAYS = env.int("IDEMPOTENCY_KEY_DAYS", default=1)
if IDEMPOTENCY_PENDING_TIMEOUT_S < 1 or IDEMPOTENCY_KEY_DAYS < 1:
    raise ImproperlyConfigured("IDEMPOTENCY_PENDING_TIMEOUT_S and IDEMPOTENCY_KEY_DAYS must be positive.")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so unauthenticated calls get 401 with "WWW-Authenticate: Bearer".
        "advisor.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # orjson, which refuses lone surrogates and deep nesting (a 500 each with DRF's parser).
    "DEFAULT_PARSER_CLASSES": ["advisor.api.parsers.StrictJSONParser"],
    # orjson: the same JSON as DRF's renderer, 13x faster; an evaluate answer is 45 KB
    # and rendering it was a twentieth of the request (BENCHMARKS.md section 5).
    "DEFAULT_RENDERER_CLASSES": ["drf_orjson_renderer.renderers.ORJSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "advisor.api.schema.AdvisorAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "advisor.api.pagination.Pages",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "advisor.api.errors.exception_handler",
    # Per user (per address when anonymous). Evaluate, simulate and import have their own
    # scopes (advisor.web.throttling); evaluate's is high enough for a load benchmark.
    "DEFAULT_THROTTLE_CLASSES": [
        # DRF's, with counters parallel requests cannot overrun (advisor.web.throttling).
        "advisor.web.throttling.AnonRateThrottle",
        "advisor.web.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": _rate("THROTTLE_ANON", "60/min"),
        "user": _rate("THROTTLE_USER", "1200/min"),
        "evaluate": _rate("THROTTLE_EVALUATE", "6000/min"),
        "simulate": _rate("THROTTLE_SIMULATE", "30/min"),
        "import": _rate("THROTTLE_IMPORT", "10/min"),
        # Reading up to CALIBRATION_MAX_BYTES of exported files in the request itself.
        "calibrate": _rate("THROTTLE_CALIBRATE", "20/min"),
        # Starting a PDF render (a POST; a GET only reads): seconds of a worker's Chromium each.
        "report": _rate("THROTTLE_REPORT", "10/min"),
    },
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Placement Advisor API",
    "DESCRIPTION": (
        "Where each layer of an AI workload should run on AWS: Brain (inference), "
        "Memory (context) and Nerves (orchestration), with the reasons."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Enums as components (drf-spectacular's default), then the profile's "required unless" pairs.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "advisor.api.schema.profile_alternatives",
    ],
    # Simulation runs and portfolio imports both have a "status": name each set of values.
    "ENUM_NAME_OVERRIDES": {
        "SimulationStatusEnum": "advisor.models.SimulationRun.Status",
        "ImportStatusEnum": "advisor.models.PortfolioImport.Status",
        "ImportModeEnum": "advisor.models.PortfolioImport.Mode",
    },
}

# Production hardening: behind a TLS-terminating proxy that sets X-Forwarded-Proto.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # On the handler, so it also sees what django.security.* and django.request propagate.
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["client_error"]}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "filters": {
        "cache_unavailable": {"()": "advisor.config.logs.CacheUnavailable"},
        "client_error": {"()": "advisor.config.logs.ClientErrorWithoutTraceback"},
    },
    "loggers": {
        # Django's own default config gives "django" a console handler of its own (under DEBUG)
        # that also propagates to the root's: every warning printed twice by the dev server.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # The PDF libraries narrate every step at INFO, and django-axes every sign-in.
        **{
            name: {"level": "WARNING"}
            for name in ("kaleido", "choreographer", "browser_proc", "weasyprint", "fontTools", "axes")
        },
        # django-redis logs each error it ignores as an ERROR with a traceback: a warning line.
        "django_redis.cache": {"filters": ["cache_unavailable"]},
    },
}
