"""Settings shared by every environment; values come from the environment (12-factor).

See `.env.example` for every variable. With nothing set, the platform runs on
embedded defaults: SQLite and a private Redis on a unix socket, both under
DATA_DIR, which is what `make run` and `make test` start.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import environ
from csp.constants import NONE, SELF

from config.redis_hosts import celery_broker_url, channel_layer_hosts
from config.task_queues import task_queues, task_routes

BASE_DIR = Path(__file__).resolve().parents[2]
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DATA_DIR = Path(env("DATA_DIR", default=str(BASE_DIR / ".data")))

SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "axes",
    "csp",
    "screenings",
    "voting",
    "voting.live",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The language first (from the `lang` cookie or Accept-Language; no session needed), so that
    # every answer below, a 503 included, is in it; it adds Content-Language and Vary: Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "config.unavailable.UnavailableMiddleware",  # no connection in time: 503 unavailable, never a 500
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.TicketCodeGuardMiddleware",
    "config.middleware.NotFoundPageMiddleware",
    "config.middleware.VisitorTimeZoneMiddleware",
    # Last: turns a login that django-axes refused into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",  # TIME_ZONE: the visitor's (config/middleware.py)
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database: SQLite under DATA_DIR unless DATABASE_URL says otherwise.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the worker and beat write concurrently: WAL lets readers
    # go on during a write, IMMEDIATE takes the write lock at BEGIN so two
    # writers queue on `timeout` instead of failing with "database is locked".
    # synchronous=FULL: a commit is on disk before it returns, so an acknowledged
    # vote survives an operating-system crash ("accepted means counted"); votes are
    # group-committed (voting/batcher.py), so the extra fsync is paid per batch.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": f"PRAGMA journal_mode=WAL; PRAGMA synchronous={env('SQLITE_SYNCHRONOUS', default='FULL')};",
    }
# No persistent connections: under ASGI every request's sync code runs in a thread of its
# own, and a connection kept per thread is how one uvicorn process once held ~100 idle
# PostgreSQL connections. On PostgreSQL a per-process pool bounds them instead
# (docs/operations.md "Database connections": the budget per process kind).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Behind PgBouncer in transaction mode a server connection passes to another client after every
# transaction: nothing may outlive one. No server-side cursors (Django's DISABLE_SERVER_SIDE_CURSORS),
# no prepared statements (psycopg prepares a query run 5 times). The per-process pool stays: it pools
# client connections to PgBouncer, which hold no server connection (docs/operations.md "PgBouncer").
DB_PGBOUNCER = env.bool("DB_PGBOUNCER", default=False)
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool("DB_DISABLE_SERVER_SIDE_CURSORS", default=DB_PGBOUNCER)
DB_POOL = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool("DB_POOL", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A unix-socket directory is spelled percent-encoded in a URL (postgres://user@%2Frun%2Fpg/db);
    # django-environ keeps it encoded.
    DATABASES["default"]["HOST"] = unquote(DATABASES["default"]["HOST"] or "")
    # A server that does not answer is a failed connection after this many seconds, not a hung thread.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.int("DB_CONNECT_TIMEOUT", default=5)
    if DB_PGBOUNCER:
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = None
if DB_POOL:
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # Django requires it with a pool: the pool keeps the connections
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DB_POOL_MIN_SIZE", default=1),
        "max_size": env.int("DB_POOL_MAX_SIZE", default=10),
        # Seconds a request waits for a free connection before it is answered 503 unavailable.
        "timeout": env.float("DB_POOL_TIMEOUT", default=10.0),
        "max_idle": env.float("DB_POOL_MAX_IDLE", default=300.0),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer, Celery broker, live counters.
# Default: the private server that `make run` / `make test` start on a socket.
REDIS_URL = env("REDIS_URL", default=f"unix://{DATA_DIR / 'redis.sock'}")
# Every Redis client gives up after these many seconds instead of hanging with a frozen
# server (the live tally, the health check, publishes, the broker). The pub/sub layer's
# subscriber polls with its own short read timeout, so an idle socket is unaffected.
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=2.0)
REDIS_CONNECT_TIMEOUT = env.float("REDIS_CONNECT_TIMEOUT", default=2.0)


# The channel layer over one or several Redis servers (shards, or Sentinel-watched masters):
# config/redis_hosts.py. The live counters, the rate limits and the broker stay on REDIS_URL.
CHANNEL_REDIS_URLS = env("CHANNEL_REDIS_URLS", default="") or REDIS_URL
CHANNEL_LAYERS = {
    "default": {
        # The pub/sub layer sends one PUBLISH per group message and fans out
        # inside each ASGI process, so viewers do not multiply Redis work and
        # no per-channel capacity silently drops `poll.decided`.
        "BACKEND": "voting.live.layer.LiveChannelLayer",
        "CONFIG": {
            # channels_redis's subscriber reads with get_message(timeout=0.1), never blocking on
            # the socket, so a socket timeout bounds only commands (PUBLISH, SUBSCRIBE) against a
            # hung server (tests/platform/test_redis_timeouts.py keeps an idle socket open longer).
            "hosts": channel_layer_hosts(
                CHANNEL_REDIS_URLS, socket_timeout=REDIS_SOCKET_TIMEOUT, connect_timeout=REDIS_CONNECT_TIMEOUT
            ),
            "prefix": env("CHANNELS_PREFIX", default="esp"),
        },
    },
}

# The broker may be a different address of the same server: `make run` gives its private
# Redis a loopback TCP port for Celery, whose unix-socket transport crashes the worker
# when the server restarts (kombu: 'NoneType' object has no attribute 'hostname').
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=celery_broker_url(REDIS_URL))
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
# Decisions and releases on a queue of their own (config/task_queues.py); a worker without -Q takes both.
CELERY_DECISIONS_QUEUE = env("CELERY_DECISIONS_QUEUE", default="decisions")
CELERY_TASK_ROUTES = task_routes(CELERY_DECISIONS_QUEUE)
CELERY_TASK_QUEUES = task_queues(CELERY_TASK_DEFAULT_QUEUE, CELERY_DECISIONS_QUEUE)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves its task to be redelivered
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker restart is ridden out: the worker reconnects, forever, instead of exiting.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_CONNECT_TIMEOUT
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_timeout": REDIS_SOCKET_TIMEOUT,
    "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
    "socket_keepalive": True,
    "retry_on_timeout": True,
    "health_check_interval": 10,
}
# kombu's Sentinel transport: CELERY_BROKER_URL=sentinel://host:26379;sentinel://host2:26379 and the master's name.
if CELERY_BROKER_URL.startswith("sentinel://"):
    CELERY_BROKER_TRANSPORT_OPTIONS["master_name"] = env("CELERY_BROKER_SENTINEL_MASTER", default="mymaster")
    CELERY_BROKER_TRANSPORT_OPTIONS["sentinel_kwargs"] = {
        "socket_timeout": REDIS_SOCKET_TIMEOUT,
        "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
    }
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
# Every periodic job is listed here; the tasks live in the apps that own them
# (screenings/tasks.py, voting/tasks.py) and take no arguments: each finds its work in the database.
CELERY_BEAT_SCHEDULE: dict = {}
# Staged publishing: releases are found in the database, never held in ETA tasks.
CELERY_BEAT_SCHEDULE["screenings-episodes-release-due"] = {
    "task": "screenings.tasks.episodes_release_due",
    "schedule": env.float("EPISODE_RELEASE_INTERVAL_SECONDS", default=5.0),
    "options": {"expires": 60},  # a worker that was down skips the backlog: one run catches up
}
# Live polls close from the database: the sweeper decides every overdue open poll
# (the ETA task dispatched at opening is only the fast path).
CELERY_BEAT_SCHEDULE["polls_decide_overdue"] = {
    "task": "voting.tasks.polls_decide_overdue",
    "schedule": 1.0,
    "options": {"expires": 5},
}
# Autopilot screenings move from the database too: cues and episode ends that are due
# (an ETA task at each is only the fast path).
CELERY_BEAT_SCHEDULE["live_autopilot_sweep"] = {
    "task": "voting.live.tasks.autopilot_sweep",
    "schedule": 1.0,
    "options": {"expires": 5},
}

# GET /healthz answers within this many seconds whatever hangs (each check gets what is left).
HEALTHZ_BUDGET_SECONDS = env.float("HEALTHZ_BUDGET_SECONDS", default=2.0)

# --- Auth, i18n, static and media.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out logins before any password check
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# API.md 1.1 "Languages": pages, e-mails, the cinema screen and every error message in English,
# Korean, Traditional and Simplified Chinese; chosen by the `lang` cookie (the switcher on every
# page sets it), else Accept-Language (zh-TW/zh-HK → zh-hant, zh-CN/zh-SG → zh-hans), else English.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("ko", "한국어"),
    ("zh-hant", "繁體中文"),
    ("zh-hans", "简体中文"),
]
LANGUAGE_COOKIE_NAME = "lang"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]  # date formats that differ from Django's (Korean)
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Front-end packages installed from the npm registry by `make install` (package.json), served as
# our own static files: nothing is loaded from a CDN. Absent without npm; the pages then do without.
_JSQR = BASE_DIR / "node_modules" / "jsqr" / "dist"
if (_JSQR / "jsQR.js").is_file():
    STATICFILES_DIRS.append(("vendor/jsqr", _JSQR))
QR_DECODER_SCRIPT = "vendor/jsqr/jsQR.js" if (_JSQR / "jsQR.js").is_file() else ""
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": env("DJANGO_DEFAULT_STORAGE", default="django.core.files.storage.FileSystemStorage")},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
EPISODE_MEDIA_MAX_BYTES = env.int("EPISODE_MEDIA_MAX_BYTES", default=2 * 1024**3)
# A Twine story to import (HTML or Twee, file upload or JSON `source`): at most this many bytes.
# Kept below DATA_UPLOAD_MAX_MEMORY_SIZE so a JSON body carrying one fits (docs/story-graph.md, "Twine").
TWINE_IMPORT_MAX_BYTES = env.int("TWINE_IMPORT_MAX_BYTES", default=2 * 1024 * 1024)

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="tickets@localhost")

# Base URL used in emails and QR codes (the join link printed on the cinema screen).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

# --- REST API.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "config.api_errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # JSON bodies bounded in size and nesting (config/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "NUM_PROXIES": None,  # set below from TRUSTED_PROXY_COUNT
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Episodic screenings API",
    "DESCRIPTION": "Story graphs, staged publishing, half-price screenings and audience votes.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "EpisodeStatusEnum": "screenings.models.story.Episode.Status",
        "TicketStatusEnum": "screenings.models.ticketing.Ticket.Status",
    },
    "PATH_CONVERTER_OVERRIDES": {"ticket_code": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"}},
    # Swagger UI's assets come from the drf-spectacular-sidecar package: /api/docs/ works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Security limits (docs/security.md).
# Reverse proxies in front of the app that append the client's address to X-Forwarded-For.
# 0: the header is ignored and the socket peer is the client (config/client_address.py).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT
# JSON (REST bodies, websocket frames) nested deeper than this is `invalid`.
JSON_MAX_DEPTH = env.int("JSON_MAX_DEPTH", default=32)

# Logins (django-axes, config/login_throttle.py): failures per client address, and per
# account from all addresses, within the cool-off window; then locked until it ends.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
LOGIN_ACCOUNT_FAILURE_LIMIT = env.int("LOGIN_ACCOUNT_FAILURE_LIMIT", default=50)
LOGIN_COOLOFF_MINUTES = env.int("LOGIN_COOLOFF_MINUTES", default=15)
AXES_ENABLED = env.bool("LOGIN_THROTTLE_ENABLED", default=True)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]  # this order: config.login_throttle relies on it
AXES_HANDLER = "config.login_throttle.LoginAttemptHandler"
AXES_CLIENT_IP_CALLABLE = "config.client_address.axes_client_address"
AXES_LOCKOUT_CALLABLE = "config.login_throttle.lockout_response"
# Failures expire with the cool-off only. Resetting on success would delete every failure of the
# address: a guesser who owns one account would log into it to wipe its count.
AXES_RESET_ON_SUCCESS = False
# Attempts refused during a lockout are not recorded: one hostile address, once locked, cannot
# push a real user's account towards LOGIN_ACCOUNT_FAILURE_LIMIT.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_VERBOSE = True  # one log line per failed login and per lockout (logger "axes")

# Redis-backed counters (config/ratelimit.py): short timeouts, and they fail open.
RATE_LIMIT_PREFIX = env("RATE_LIMIT_PREFIX", default="esp-rl")
RATE_LIMIT_REDIS_TIMEOUT = env.float("RATE_LIMIT_REDIS_TIMEOUT", default=0.25)
# Failed ticket-code lookups (a code that matches no ticket) per client address and window (seconds).
TICKET_LOOKUP_FAILURE_LIMIT = env.int("TICKET_LOOKUP_FAILURE_LIMIT", default=30)
TICKET_LOOKUP_FAILURE_WINDOW = env.int("TICKET_LOOKUP_FAILURE_WINDOW", default=600)
# Optional: orders per client address and window. Off (0) by default: a box office, a school
# or a whole cinema behind one address buys legitimately in a rush.
ORDER_RATE_LIMIT = env.int("ORDER_RATE_LIMIT", default=0)
ORDER_RATE_WINDOW = env.int("ORDER_RATE_WINDOW", default=60)
# Idempotency keys of orders: how long a replay returns the original order.
IDEMPOTENCY_KEY_TTL_HOURS = env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=24)

# Draft episodes' media is served by a permission-checked view (screenings/views/media.py).
# Behind nginx, the view answers with X-Accel-Redirect to this internal location and nginx
# sends the bytes; empty: Django streams the file itself.
MEDIA_ACCEL_REDIRECT_PREFIX = env("MEDIA_ACCEL_REDIRECT_PREFIX", default="")

# Content Security Policy (django-csp) on every response: no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        # Episodes may play external media (e.g. an HLS stream on a CDN): CSP_MEDIA_SRC lists them.
        "media-src": [SELF, "blob:", *env.list("CSP_MEDIA_SRC", default=["https:"])],
        "connect-src": [SELF],  # same-origin fetch and websockets (ws:/wss: on this host)
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        **({"report-uri": env("CSP_REPORT_URI")} if env("CSP_REPORT_URI", default="") else {}),
    },
}

# A vote counts when its frame reached the server before the poll closed: a decision waits until
# every such vote is stored, at most this many seconds after the close (voting/inflight.py).
VOTE_STORE_GRACE_SECONDS = env.float("VOTE_STORE_GRACE_SECONDS", default=3.0)
# Group commit of websocket votes, per server process (voting/live/batcher.py says how they were chosen).
VOTE_MAX_BATCH = env.int("VOTE_MAX_BATCH", default=64)
VOTE_BATCHES_IN_FLIGHT = env.int("VOTE_BATCHES_IN_FLIGHT", default=1)
# Live tally frames a server process sends per second at most: a big audience gets its snapshots
# less often (voting/live/flusher.py says how it was chosen).
LIVE_TALLY_FRAMES_PER_SECOND = env.int("LIVE_TALLY_FRAMES_PER_SECOND", default=2000)

# Garbage collection of an ASGI server process (config/collector.py): what the loaded application
# holds is frozen, and these are gc.set_threshold's three thresholds; empty: Python's own (700,10,10).
# Chosen by measurement at 10,000 viewers (docs/performance.md).
WEB_GC_THRESHOLDS = env.list("WEB_GC_THRESHOLDS", cast=int, default=[7000, 10, 1000])

# Websocket origins allowed besides the site's own (full origins: scheme://host[:port], e.g. a cinema app's).
WEBSOCKET_ALLOWED_ORIGINS = env.list("WEBSOCKET_ALLOWED_ORIGINS", default=[])
# A socket that has not said hello within this many seconds is closed (code 4408).
WEBSOCKET_HELLO_TIMEOUT_SECONDS = env.float("WEBSOCKET_HELLO_TIMEOUT_SECONDS", default=10.0)
# Sockets one client address may hold per server process. High: a whole cinema's phones
# may share one address behind the venue's router.
WEBSOCKET_MAX_PER_ADDRESS = env.int("WEBSOCKET_MAX_PER_ADDRESS", default=2000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # The sweepers run every second or so: their "received / succeeded / sending due task"
    # lines would drown what matters (decisions, releases, errors), which services log themselves.
    "loggers": {
        **{
            name: {"level": env("CELERY_CHATTER_LOG_LEVEL", default="WARNING")}
            for name in ("celery.app.trace", "celery.worker.strategy", "celery.beat")
        },
        # django-axes: WARNING keeps "Repeated login failure" and "Locking out" (usernames masked).
        "axes": {"level": env("LOGIN_LOG_LEVEL", default="WARNING")},
    },
}
