"""Real processes for integration tests: a Celery worker, beat, an ASGI server.

They run against the test database (a file for SQLite, `test_<name>` on
PostgreSQL) and the same Redis as the tests, with their own channel prefix
and queue name so parallel test runs on one Redis never share work.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def database_url() -> str:
    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] or ""
    if s.get("PASSWORD"):
        auth += f":{s['PASSWORD']}"
    host = s["HOST"] or "127.0.0.1"
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{auth}@{host}{port}/{s['NAME']}"


def process_env(**extra: str) -> dict:
    env = dict(os.environ)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set only around a test's browser, never for servers
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=database_url(),
        TEST_RUN_ID=settings.TEST_RUN_ID,
        PYTHONUNBUFFERED="1",
    )
    env.setdefault("DB_CONN_MAX_AGE", "60")
    env.setdefault("CELERY_CHATTER_LOG_LEVEL", "INFO")  # readiness is read from these logs; they help debugging too
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Process:
    """A child process in its own group, stopped (or killed) as a whole."""

    def __init__(self, name: str, args: list[str], env: dict, log_path: Path):
        self.name, self.args, self.env, self.log_path = name, args, env, log_path
        self.proc: subprocess.Popen | None = None

    def start(self) -> Process:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            self.args, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole group: a crash, not a shutdown."""
        if self.alive():
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self, timeout: float = 15) -> None:
        if self.alive():
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        if getattr(self, "_log", None):
            self._log.close()

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""


def celery_worker(log_dir: Path, *, concurrency: int = 2, **env: str) -> Process:
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    proc = Process(
        "worker",
        [
            str(BIN / "celery"),
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
            str(concurrency),
            "--without-gossip",
            "--without-mingle",
        ],
        process_env(**env),
        log_dir / f"worker-{time.monotonic_ns()}.log",
    ).start()
    _wait_for_log(proc, "ready.", timeout=60)
    return proc


def celery_beat(log_dir: Path, **env: str) -> Process:
    schedule = log_dir / f"beat-schedule-{time.monotonic_ns()}"
    proc = Process(
        "beat",
        [str(BIN / "celery"), "-A", "config", "beat", "-l", "INFO", "-s", str(schedule)],
        process_env(**env),
        log_dir / f"beat-{time.monotonic_ns()}.log",
    ).start()
    _wait_for_log(proc, "beat: Starting", timeout=60)
    return proc


def asgi_server(log_dir: Path, **env: str) -> tuple[Process, str]:
    port = free_port()
    proc = Process(
        "web",
        [
            str(BIN / "uvicorn"),
            "config.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--ws-per-message-deflate",
            "false",
            "--lifespan",
            "off",
            "--no-access-log",
            "--no-proxy-headers",  # as make run and the image: the app reads X-Forwarded-For itself
        ],
        process_env(**env),
        log_dir / f"web-{port}.log",
    ).start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if not proc.alive():
            raise RuntimeError(f"ASGI server exited:\n{proc.log_tail()}")
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=5)
            return proc, base
        except urllib.error.HTTPError:
            return proc, base  # it answers; health is the test's business
        except OSError:
            time.sleep(0.2)
    proc.stop()
    raise RuntimeError(f"ASGI server did not answer:\n{proc.log_tail()}")


def _wait_for_log(proc: Process, needle: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if needle in proc.log_tail(200_000):
            return
        if not proc.alive():
            raise RuntimeError(f"{proc.name} exited:\n{proc.log_tail()}")
        time.sleep(0.2)
    proc.stop()
    raise RuntimeError(f"{proc.name} did not become ready:\n{proc.log_tail()}")
