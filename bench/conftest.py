"""Benchmarks run with `make bench`: files named bench_*.py, with the test suite's real-process fixtures."""

import pytest

from tests.conftest import (  # noqa: F401  (fixtures)
    _purged_queue,
    asgi_server,
    celery_beat_process,
    celery_worker_process,
    process_log_dir,
)


def pytest_collect_file(file_path, parent):
    if file_path.suffix == ".py" and file_path.name.startswith("bench_"):
        return pytest.Module.from_parent(parent, path=file_path)
    return None
