"""Benchmarks run with `make bench-suite`: files named bench_*.py, with the test suite's real-process fixtures."""

from tests.conftest import (  # noqa: F401  (fixtures)
    _purged_queue,
    asgi_server,
    celery_beat_process,
    celery_worker_process,
    process_log_dir,
)
