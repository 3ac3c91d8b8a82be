"""Supervision behind `make run` (platform/run.py serve): supervisord's configuration and the
command lines of the programs it runs (the ASGI server, the Celery worker and beat).

Loaded by platform/run.py from beside it (never imported as part of a `platform` package), and
through it by tests/processes.py, so that tests start exactly what `make run` starts.

Several ASGI processes on one port: `WEB_PROCESSES=N` (`make run WEB_PROCESSES=4`) runs N
supervisord processes of the `web` program (web:web-0 ... web:web-N-1), each platform/reuseport.py:
uvicorn on a listening socket of its own bound with SO_REUSEPORT, so the kernel spreads new
connections over the N processes. supervisord restarts each on its own; the sockets of one that
died reconnect and land on the others. Each process has its own event loop and so its own vote
batcher and tally flusher (voting/live/batcher.py, voting/live/flusher.py start one per event
loop); the flushers' per-poll gate in Redis keeps `tally` snapshots a few per second per poll
across all of them. Default: 1 process on the development settings, one per core
(os.cpu_count()) with config.settings.production.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def log(message: str) -> None:
    print(f"[run] {message}", flush=True)


def production_settings(env: dict) -> bool:
    return env.get("DJANGO_SETTINGS_MODULE", "").rsplit(".", 1)[-1] == "production"


def web_processes(env: dict) -> int:
    """How many ASGI server processes serve the port: WEB_PROCESSES, else one per core in production, else 1."""
    value = env.get("WEB_PROCESSES", "").strip()
    if not value:
        return (os.cpu_count() or 1) if production_settings(env) else 1
    try:
        count = int(value)
    except ValueError:
        count = 0
    if count < 1:
        raise ValueError(f"WEB_PROCESSES must be a whole number of at least 1, not {value!r}")
    return count


def _ini(value: str) -> str:
    return value.replace("%", "%%")  # supervisord expands %(name)s in its configuration


def _command(args: list[str]) -> str:
    return _ini(shlex.join(args))


class Supervisor:
    """supervisord in the foreground with the platform's programs (DATA_DIR/supervisord.conf)."""

    # name: (priority, startsecs, stopwaitsecs). Lower priorities start first and stop last.
    TIMING = {"redis": (10, 1, 10), "worker": (200, 5, 30), "beat": (210, 5, 10), "web": (300, 5, 15)}

    def __init__(self, data_dir: Path):
        self.dir = data_dir
        self.conf = data_dir / "supervisord.conf"
        self.sock = data_dir / "supervisor.sock"
        self.proc: subprocess.Popen | None = None

    def write(self, programs: dict[str, tuple[list[str], dict]], numprocs: dict[str, int] | None = None) -> None:
        """`numprocs`: programs run as that many processes (`name:name-0`, `name:name-1`, ...)."""
        lines = [
            "; Written by platform/run.py serve on every start: edit the launcher, not this file.",
            "[unix_http_server]",
            f"file={_ini(str(self.sock))}",
            "chmod=0700",
            "",
            "[supervisord]",
            "nodaemon=true",
            f"logfile={_ini(str(self.dir / 'supervisord.log'))}",
            "logfile_maxbytes=5MB",
            "logfile_backups=2",
            f"pidfile={_ini(str(self.dir / 'supervisord.pid'))}",
            f"childlogdir={_ini(str(self.dir))}",
            "",
            "[rpcinterface:supervisor]",
            "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
            "",
            "[supervisorctl]",
            f"serverurl=unix://{_ini(str(self.sock))}",
        ]
        for name, (args, extra_env) in programs.items():
            priority, startsecs, stopwait = self.TIMING[name]
            lines += [
                "",
                f"[program:{name}]",
                f"command={_command(args)}",
                *_numprocs_lines((numprocs or {}).get(name, 1)),
                f"directory={_ini(str(ROOT))}",
                f"priority={priority}",
                "autostart=true",
                "autorestart=true",
                f"startsecs={startsecs}",
                "startretries=20",  # dying during start-up: retried after 1 s, 2 s, ... 20 s, then FATAL
                "stopsignal=TERM",
                f"stopwaitsecs={stopwait}",
                "stopasgroup=true",  # the worker's pool processes stop (and are killed) with it
                "killasgroup=true",
                "redirect_stderr=true",
                "stdout_logfile=/dev/stdout",  # the launcher's output: what `make run` shows
                "stdout_logfile_maxbytes=0",
            ]
            if extra_env:
                pairs = ",".join(f'{key}="{_ini(value)}"' for key, value in extra_env.items())
                lines.append(f"environment={pairs}")
        self.conf.write_text("\n".join(lines) + "\n")

    def start(self, env: dict) -> None:
        self.sock.unlink(missing_ok=True)

        def die_with_launcher():
            # Linux: supervisord gets SIGTERM (and stops every program) if this launcher is killed.
            with contextlib.suppress(Exception):
                import ctypes

                ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG

        self.proc = subprocess.Popen(
            [str(BIN / "supervisord"), "-c", str(self.conf)], cwd=ROOT, env=env, preexec_fn=die_with_launcher
        )
        log(f"supervisord started (pid {self.proc.pid}); its log: {self.dir / 'supervisord.log'}")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 60) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)  # supervisord stops its programs, then exits
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                log("supervisord did not stop in time: killing it")
                self.proc.kill()
                self.proc.wait()
        log("All processes stopped")


def _numprocs_lines(count: int) -> list[str]:
    if count <= 1:
        return []
    return [f"numprocs={count}", "process_name=%(program_name)s-%(process_num)d"]


UVICORN_APP = "config.asgi:application"
# What web_command's flags say, for platform/reuseport.py's uvicorn.Config (tests/platform/test_launcher.py
# checks that they agree). Per-message deflate off: ~316 KiB per connection (uvicorn#1862). Access logs
# off: one line per request. No proxy headers: the client's address is the socket peer unless
# TRUSTED_PROXY_COUNT says otherwise (config/client_address.py); uvicorn must not rewrite it. Log level
# warning: at info uvicorn logs three lines per websocket ("[accepted]", "connection open", "connection
# closed"), 7 % of a web process's CPU while a crowd joins (py-spy, docs/performance.md).
UVICORN_OPTIONS = {
    "ws_per_message_deflate": False,
    "lifespan": "off",
    "access_log": False,
    "proxy_headers": False,
    "log_level": "warning",
}


def web_command(host: str, port: str | int, processes: int = 1) -> list[str]:
    """The ASGI server on host:port. With `processes` > 1: one of that many processes sharing the
    port (SO_REUSEPORT), which supervisord runs `processes` times (Supervisor.write's numprocs)."""
    if processes > 1:
        return [sys.executable, str(ROOT / "platform" / "reuseport.py"), host, str(port)]
    return [
        str(BIN / "uvicorn"),
        UVICORN_APP,
        "--host",
        host,
        "--port",
        str(port),
        "--ws-per-message-deflate",
        "false",
        "--lifespan",
        "off",
        "--no-access-log",
        "--no-proxy-headers",
        "--log-level",
        "warning",
    ]


def worker_command(*extra: str, concurrency: int = 2, name: str = "worker@%h") -> list[str]:
    return [
        str(BIN / "celery"),
        "-A",
        "config",
        "worker",
        "-l",
        "INFO",
        "--concurrency",
        str(concurrency),
        "-n",
        name,
        *extra,
    ]


def beat_command(schedule: Path) -> list[str]:
    return [str(BIN / "celery"), "-A", "config", "beat", "-l", "INFO", "-s", str(schedule)]


# Worker and beat take plain short-lived connections (one per task), never a pool: a pool
# opened before the prefork pool forks would be shared by its children.
SHORT_LIVED_CONNECTIONS = {"DB_POOL": "false"}
