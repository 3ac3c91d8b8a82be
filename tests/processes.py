"""The one launcher of real servers for tests: Celery worker and beat, an ASGI server, a private
redis-server, and the real `platform/run.py serve` (supervised platform) for fault tests.

Command lines come from platform/run.py, so tests start exactly what `make run` starts.
The servers run against the test database (a file for SQLite, `test_<name>` on
PostgreSQL) and, unless told otherwise, the same Redis as the tests, with their own
channel prefix and queue name (TEST_RUN_ID) so parallel test runs on one Redis never
share work. A test that crashes or restarts infrastructure gives its processes a run
id (queue) and, if needed, a Redis of their own.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import xmlrpc.client
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _load_launcher():
    spec = importlib.util.spec_from_file_location("platform_run", ROOT / "platform" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


launcher = _load_launcher()  # platform/run.py, loaded as a file (never imported as `platform`)
supervision = sys.modules["supervision"]  # platform/supervision.py, which the launcher loads from beside it
free_port = launcher.free_port


def database_url() -> str:
    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] or ""
    if s.get("PASSWORD"):
        auth += f":{s['PASSWORD']}"
    host = s["HOST"] or "127.0.0.1"
    if host.startswith("/"):  # a unix-socket directory (the private PostgreSQL of `make test`)
        host = quote(host, safe="")
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{auth}@{host}{port}/{s['NAME']}"


# Connections per process kind, as in production: the ASGI server pools, worker and beat do not.
POOL_BY_KIND = {"web": "true", "worker": "false", "beat": "false"}


def process_env(kind: str = "web", **extra: str) -> dict:
    env = dict(os.environ)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set only around a test's browser, never for servers
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=database_url(),
        TEST_RUN_ID=settings.TEST_RUN_ID,
        PYTHONUNBUFFERED="1",
        DB_POOL=POOL_BY_KIND.get(kind, "false"),
    )
    env.setdefault("CELERY_CHATTER_LOG_LEVEL", "INFO")  # readiness is read from these logs; they help debugging too
    env.update(extra)
    return env


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

    def stop(self, timeout: float = 15, sig: int = signal.SIGTERM) -> None:
        if self.alive():
            os.killpg(self.proc.pid, sig)
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


def celery_worker(
    log_dir: Path, *, run_id: str | None = None, concurrency: int = 2, queues: str = "", **env: str
) -> Process:
    """A worker consuming only the queues of `run_id` (default: this test run's; `queues`: some of them)."""
    run_id = run_id or env.pop("TEST_RUN_ID", None) or settings.TEST_RUN_ID
    env.pop("TEST_RUN_ID", None)
    queue = f"test-{run_id}"
    queues = queues or f"{queue},{queue}-decisions"  # config/settings/test.py's two queues
    args = launcher.worker_command(
        "-Q", queues, "--without-gossip", "--without-mingle", concurrency=concurrency, name=f"{queue}@%h"
    )
    proc = Process(
        "worker",
        args,
        process_env("worker", TEST_RUN_ID=run_id, **env),
        log_dir / f"worker-{run_id}-{time.monotonic_ns()}.log",
    ).start()
    wait_for_log(proc, "ready.", timeout=60)
    return proc


def celery_beat(log_dir: Path, **env: str) -> Process:
    schedule = log_dir / f"beat-schedule-{time.monotonic_ns()}"
    proc = Process(
        "beat", launcher.beat_command(schedule), process_env("beat", **env), log_dir / f"beat-{time.monotonic_ns()}.log"
    ).start()
    wait_for_log(proc, "beat: Starting", timeout=60)
    return proc


def asgi_servers(log_dir: Path, processes: int, **env: str) -> tuple[list[Process], str]:
    """`processes` ASGI server processes on one free port, as `make run WEB_PROCESSES=N` runs them
    (platform/reuseport.py: SO_REUSEPORT); with 1, plain uvicorn, as asgi_server."""
    port, started = free_port(), []
    try:
        for n in range(processes):
            started.append(_asgi_process(log_dir, port, processes, n, env))
            _listening(started[-1], port)
        base = _answering(started[0], port)
    except BaseException:
        for proc in started:
            proc.stop()
        raise
    return started, base


def _listening(proc: Process, port: int, timeout: float = 60) -> None:
    """Until `proc` has its own listening socket on `port` (and so its share of new connections)."""
    deadline = time.monotonic() + timeout
    while not sockets_per_process([proc.proc.pid], port, state="0A")[proc.proc.pid]:
        if not proc.alive() or time.monotonic() > deadline:
            proc.stop()
            raise RuntimeError(f"ASGI server did not listen:\n{proc.log_tail()}")
        time.sleep(0.2)


def _asgi_process(log_dir: Path, port: int, processes: int, n: int, env: dict) -> Process:
    args = launcher.web_command("127.0.0.1", port, processes)
    return Process("web", args, process_env("web", **env), log_dir / f"web-{port}-{n}.log").start()


def asgi_server(log_dir: Path, **env: str) -> tuple[Process, str]:
    port = free_port()
    proc = _asgi_process(log_dir, port, 1, 0, env)
    return proc, _answering(proc, port)


def _answering(proc: Process, port: int) -> str:
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if not proc.alive():
            raise RuntimeError(f"ASGI server exited:\n{proc.log_tail()}")
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=5)
            return base
        except urllib.error.HTTPError:
            return base  # it answers; health is the test's business
        except OSError:
            time.sleep(0.2)
    proc.stop()
    raise RuntimeError(f"ASGI server did not answer:\n{proc.log_tail()}")


def wait_for_log(proc: Process, needle: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if needle in proc.log_tail(200_000):
            return
        if not proc.alive():
            raise RuntimeError(f"{proc.name} exited:\n{proc.log_tail()}")
        time.sleep(0.2)
    proc.stop()
    raise RuntimeError(f"{proc.name} did not become ready:\n{proc.log_tail()}")


def short_dir(prefix: str) -> Path:
    """A fresh directory with a short path: a unix socket's path is limited to 107 bytes."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))


def redis_server(sock: Path, log_dir: Path, *, port: int = 0) -> Process:
    """A throw-away redis-server on a unix socket (and 127.0.0.1:port if given), the launcher's
    command line (no persistence: a restart loses everything, like a crash)."""
    sock.unlink(missing_ok=True)
    proc = Process(
        "redis", launcher.redis_command(sock.parent, sock, port), {}, log_dir / f"redis-{time.monotonic_ns()}.log"
    ).start()
    deadline = time.monotonic() + 15
    while not launcher._socket_answers(sock):
        if not proc.alive() or time.monotonic() > deadline:
            raise RuntimeError(f"redis-server did not start:\n{proc.log_tail()}")
        time.sleep(0.05)
    return proc


@contextmanager
def paused(proc: Process):
    """SIGSTOP a process group (e.g. the session's beat, whose sweeper would otherwise decide this
    test's polls and broadcast on the session's Redis; or a Redis, to freeze it), then SIGCONT it."""
    os.killpg(proc.proc.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.killpg(proc.proc.pid, signal.SIGCONT)


class Platform:
    """The real `platform/run.py serve` (supervisord and its programs) on a free port, with its own
    DATA_DIR (and so its own private Redis), on the test database, with its own channel prefix and
    queue. Everything it prints goes to `log_path`."""

    def __init__(self, log_dir: Path, run_id: str, **env: str):
        self.data_dir = short_dir("plat")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"platform-{run_id}.log"
        environment = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
        environment.update(
            DJANGO_SETTINGS_MODULE="config.settings.local",
            DJANGO_DEBUG="false",
            DATABASE_URL=database_url(),
            DATA_DIR=str(self.data_dir),
            PORT=str(self.port),
            CHANNELS_PREFIX=f"t{run_id}",
            CELERY_TASK_DEFAULT_QUEUE=f"test-{run_id}",
            CELERY_DECISIONS_QUEUE=f"test-{run_id}-decisions",
            PYTHONUNBUFFERED="1",
        )
        environment.update(env)
        self.proc = Process("platform", [sys.executable, "platform/run.py", "serve"], environment, self.log_path)

    def start(self, timeout: float = 180) -> Platform:
        self.proc.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.proc.alive():
                raise RuntimeError(f"the launcher exited:\n{self.proc.log_tail()}")
            if "The platform is up" in self.proc.log_tail(100_000):
                return self
            time.sleep(0.5)
        raise RuntimeError(f"the launcher did not come up:\n{self.proc.log_tail()}")

    def rpc(self):
        from supervisor.xmlrpc import SupervisorTransport

        transport = SupervisorTransport(None, None, f"unix://{self.data_dir / 'supervisor.sock'}")
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport).supervisor

    def pid(self, program: str) -> int:
        return self.rpc().getProcessInfo(program)["pid"]

    def kill(self, program: str) -> int:
        """kill -9 a supervised program (its whole process group, pool children included): a crash."""
        pid = self.pid(program)
        os.killpg(pid, signal.SIGKILL)
        return pid

    def signal(self, program: str, sig: int) -> int:
        pid = self.pid(program)
        os.killpg(pid, sig)
        return pid

    def health(self, timeout: float = 5) -> tuple[int, dict]:
        try:
            with urllib.request.urlopen(f"{self.base}/healthz", timeout=timeout) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")
        except OSError as error:
            return 0, {"error": str(error)}

    def stop(self) -> None:
        self.proc.stop(timeout=90, sig=signal.SIGINT)  # Ctrl-C to the launcher's process group
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def log_tail(self, chars: int = 6000) -> str:
        return self.proc.log_tail(chars)


def sockets_per_process(pids: list[int], port: int, state: str = "01") -> dict[int, int]:
    """TCP sockets on `port` held by each pid (from /proc: socket inodes); state "01": established
    connections, "0A": listening."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
                inodes.add(fields[9])
    counts = {}
    for pid in pids:
        held = 0
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            held += target.startswith("socket:[") and target[8:-1] in inodes
        counts[pid] = held
    return counts


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


PGBOUNCER = Path("/usr/sbin/pgbouncer")


def pgbouncer(log_dir: Path, *, pool_size: int = 4, query_wait_timeout: int = 10) -> tuple[Process, str]:
    """A private PgBouncer (Debian's package) in transaction mode on 127.0.0.1:<free port>, in front
    of the test database's server; returns it and the DATABASE_URL that goes through it. Running as
    root, it drops to the `postgres` system user (PgBouncer refuses to run as root)."""
    import pwd

    s = connection.settings_dict
    workdir, port = short_dir("pgb"), free_port()
    users = workdir / "users.txt"
    users.write_text(f'"{s["USER"] or "postgres"}" "{s.get("PASSWORD") or ""}"\n')
    target = f"host={s['HOST'] or '127.0.0.1'}" + (f" port={s['PORT']}" if s.get("PORT") else "")
    conf = workdir / "pgbouncer.ini"
    conf.write_text(
        "\n".join(
            [
                "[databases]",
                f"* = {target}",
                "[pgbouncer]",
                "listen_addr = 127.0.0.1",
                f"listen_port = {port}",
                "unix_socket_dir =",
                "auth_type = trust",
                f"auth_file = {users}",
                "pool_mode = transaction",
                f"default_pool_size = {pool_size}",
                # A client waiting longer for a server connection gets an error (a 503 from the app).
                f"query_wait_timeout = {query_wait_timeout}",
                "max_client_conn = 1000",
                # psycopg and Django send none of these, but a client that does must not be refused.
                "ignore_startup_parameters = extra_float_digits,options",
                f"logfile = {workdir / 'pgbouncer.log'}",
                "",
            ]
        )
    )
    args = [str(PGBOUNCER), str(conf)]
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        for path in (workdir, users, conf):
            os.chown(path, owner.pw_uid, owner.pw_gid)
        args[1:1] = ["-u", "postgres"]
    proc = Process("pgbouncer", args, {}, log_dir / f"pgbouncer-{port}.log").start()
    auth = (s["USER"] or "postgres") + (f":{quote(s['PASSWORD'], safe='')}" if s.get("PASSWORD") else "")
    url = f"postgres://{auth}@127.0.0.1:{port}/{s['NAME']}"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if not proc.alive():
            raise RuntimeError(f"pgbouncer exited:\n{proc.log_tail()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return proc, url
        time.sleep(0.1)
    proc.stop()
    raise RuntimeError(f"pgbouncer did not listen:\n{proc.log_tail()}")
