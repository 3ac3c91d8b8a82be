"""Settings shared by every environment; values come from the environment (12-factor).

See `.env.example` for every variable. With nothing set, the platform runs on
embedded defaults: SQLite and a private Redis on a unix socket, both under
DATA_DIR, which is what `make run` and `make test` start.
"""

from pathlib import Path

import environ

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
    "channels",
    "screenings",
    "voting",
    "voting.live",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
# Keep connections between requests: websocket consumers reach the database through
# database_sync_to_async, which would otherwise open a new PostgreSQL connection per vote.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer, Celery broker, live counters.
# Default: the private server that `make run` / `make test` start on a socket.
REDIS_URL = env("REDIS_URL", default=f"unix://{DATA_DIR / 'redis.sock'}")


def _celery_broker_url(redis_url: str) -> str:
    # kombu spells a unix-socket Redis "redis+socket://"; redis-py spells it "unix://".
    if redis_url.startswith("unix://"):
        return "redis+socket://" + redis_url.removeprefix("unix://")
    return redis_url


CHANNEL_LAYERS = {
    "default": {
        # The pub/sub layer sends one PUBLISH per group message and fans out
        # inside each ASGI process, so viewers do not multiply Redis work and
        # no per-channel capacity silently drops `poll.decided`.
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {
            "hosts": [{"address": REDIS_URL, "socket_timeout": None, "max_connections": 10_000}],
            "prefix": env("CHANNELS_PREFIX", default="esp"),
        },
    },
}

CELERY_BROKER_URL = _celery_broker_url(REDIS_URL)
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves its task to be redelivered
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
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

# --- Auth, i18n, static and media.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": env("DJANGO_DEFAULT_STORAGE", default="django.core.files.storage.FileSystemStorage")},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
EPISODE_MEDIA_MAX_BYTES = env.int("EPISODE_MEDIA_MAX_BYTES", default=2 * 1024**3)

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
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Episodic screenings API",
    "DESCRIPTION": "Story graphs, staged publishing, half-price screenings and audience votes.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"EpisodeStatusEnum": "screenings.models.story.Episode.Status"},
    "PATH_CONVERTER_OVERRIDES": {"ticket_code": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"}},
}

# A vote counts when its frame reached the server before the poll closed: a decision waits until
# every such vote is stored, at most this many seconds after the close (voting/inflight.py).
VOTE_STORE_GRACE_SECONDS = env.float("VOTE_STORE_GRACE_SECONDS", default=3.0)

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
        name: {"level": env("CELERY_CHATTER_LOG_LEVEL", default="WARNING")}
        for name in ("celery.app.trace", "celery.worker.strategy", "celery.beat")
    },
}
