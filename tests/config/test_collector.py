"""A web process collects garbage for thousands of long-lived sockets (config/collector.py): what the
loaded application holds is frozen and full collections are rare; an empty setting keeps Python's."""

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.collector import collector_tune

ROOT = Path(__file__).resolve().parents[2]
PROBE = "import gc, json, config.asgi; print(json.dumps([gc.get_threshold(), gc.get_freeze_count()]))"


def _web_process_collector(thresholds: str | None) -> tuple[list[int], int]:
    """(thresholds, frozen objects) of a process that loaded the ASGI application, as uvicorn does."""
    env = {k: v for k, v in os.environ.items() if k != "WEB_GC_THRESHOLDS"}
    if thresholds is not None:
        env["WEB_GC_THRESHOLDS"] = thresholds
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    threshold, frozen = json.loads(out.stdout.strip().splitlines()[-1])
    return threshold, frozen


def test_the_loaded_application_is_frozen_and_full_collections_wait():
    threshold, frozen = _web_process_collector("7000,10,1000")  # config/settings/base.py's default
    assert threshold == [7000, 10, 1000]
    assert frozen > 10_000  # Django, the apps, the consumers: out of every collection's sight


def test_an_empty_setting_keeps_pythons_collector():
    threshold, frozen = _web_process_collector("")
    assert threshold == [700, 10, 10]  # Python 3.11's own
    assert frozen == 0


@pytest.mark.parametrize("bad", [[7000, 10], [7000, 0, 10], [1, 2, 3, 4]])
def test_thresholds_that_make_no_sense_are_refused(bad):
    before = gc.get_threshold()
    with pytest.raises(ImproperlyConfigured):
        collector_tune(thresholds=bad)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
