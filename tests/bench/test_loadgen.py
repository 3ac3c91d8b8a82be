"""`make bench` at 500 viewers as a correctness check: the real launcher (production settings,
two web processes, worker, beat) driven by bench/loadgen.py over REST and websockets, through
bench/run.py exactly as `make bench` runs it. Counts must be exact and every socket decided;
the timings it prints are not checked (the machine may be busy)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

from tests import processes

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
VIEWERS, VOTES = 500, 2


def bench_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BENCH_")}
    env.update(VIEWERS=str(VIEWERS), VOTES=str(VOTES), WEB_PROCESSES="2", REDIS_URL=settings.REDIS_URL)
    if connection.vendor == "postgresql":
        # A fresh database beside the test database (bench/run.py creates and drops it).
        url = urlsplit(processes.database_url())
        env["BENCH_DATABASE_URL"] = urlunsplit(url._replace(path=f"/bench_{secrets.token_hex(4)}"))
    else:
        env["BENCH_DATABASE"] = "sqlite"
    return env


def test_500_viewers_every_vote_counted_and_every_socket_decided():
    done = subprocess.run(
        [sys.executable, "bench/run.py"], cwd=ROOT, env=bench_env(), capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr[-6000:]
    print(done.stdout)  # the table and the JSON line, for `-s`
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    run = figures["loadgen"]
    assert run["sockets_joined"] == VIEWERS, run["join_errors"]
    assert run["votes_sent"] == run["votes_accepted"] == VIEWERS * VOTES
    assert run["votes_refused_total"] == 0, run["votes_refused"]
    assert run["votes_refused_closed_sent_in_time"] == 0
    assert run["late_answers"] == {}
    assert run["voted_before_close"]
    # The decision counts each ticket's last vote once: one per viewer, split as the viewers last voted.
    assert run["poll_status"] == "decided"
    assert run["votes_counted"] == run["voters_expected"] == VIEWERS
    assert run["counted"] == run["counts_expected"]
    assert run["decided_sockets"] == VIEWERS
    assert run["sockets_dropped"] == 0
    assert set(figures["processes"]) >= {"web:web-0", "web:web-1", "worker", "beat", "loadgen"}
