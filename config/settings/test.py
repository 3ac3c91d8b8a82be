"""The test suite: fast hashing, in-memory email, the same real Redis and database."""

import uuid

from config.task_queues import task_queues, task_routes

from .base import *  # noqa: F403
from .base import CHANNEL_LAYERS, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Each test run gets its own channel namespace and task queue on the shared
# Redis; the worker, beat and ASGI processes a test starts inherit TEST_RUN_ID.
TEST_RUN_ID = env("TEST_RUN_ID", default=uuid.uuid4().hex[:10])
CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"t{TEST_RUN_ID}"
CELERY_TASK_DEFAULT_QUEUE = f"test-{TEST_RUN_ID}"
CELERY_DECISIONS_QUEUE = f"test-{TEST_RUN_ID}-decisions"
CELERY_TASK_ROUTES = task_routes(CELERY_DECISIONS_QUEUE)
CELERY_TASK_QUEUES = task_queues(CELERY_TASK_DEFAULT_QUEUE, CELERY_DECISIONS_QUEUE)
RATE_LIMIT_PREFIX = f"t{TEST_RUN_ID}-rl"  # tests/conftest.py clears it after each test
# The test process imports config.asgi for its websocket tests: it keeps Python's collector unless
# a test asks (tests/config/test_collector.py starts processes with the production default).
WEB_GC_THRESHOLDS = env.list("WEB_GC_THRESHOLDS", cast=int, default=[])

# SQLite's test database is a file, not memory, so that the worker, beat and
# ASGI server processes started by integration tests share it.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-db.sqlite3")}  # noqa: F405

# Serve static files from the apps' folders (no collectstatic in tests).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# The test process's own threads (channels' database_sync_to_async, the vote batcher)
# close their connections after each call, so none outlives the test database; it uses
# no pool unless DB_POOL says so. The ASGI servers tests start get the pool, as in
# production (tests/processes.py sets DB_POOL for each process kind).
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
if not env.bool("DB_POOL", default=False):
    DATABASES["default"].get("OPTIONS", {}).pop("pool", None)  # noqa: F405
