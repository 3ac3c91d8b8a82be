"""Process launcher behind `make run` and `make test`.

    python platform/run.py serve           # migrate, demo data, then supervise: Redis, ASGI server, worker, beat
    python platform/run.py test [ARGS...]  # pytest with the same Redis (and a private PostgreSQL) set-up
    python platform/run.py redis           # only the private Redis, until Ctrl-C
    python platform/run.py ctl [ARGS...]   # supervisorctl for the running `serve` (status, restart web, ...)
    python platform/run.py compilemessages # locale/*/LC_MESSAGES/*.po -> .mo (serve and test do it first)

Run as a file, never imported as `platform` (that name is Python's own module).

`serve` writes DATA_DIR/supervisord.conf and runs supervisord in the foreground:
every child (the private Redis, uvicorn, the Celery worker and beat) is restarted
when it dies (with supervisord's backoff when it dies during start-up), every
start and exit is logged, and Ctrl-C (SIGINT or SIGTERM to the launcher or its
process group) stops all of it. With no REDIS_URL, the private redis-server listens
on a unix socket under DATA_DIR (channel layer, live counters) and on a loopback
TCP port for the Celery broker (kombu's unix-socket transport crashes the worker
when the server restarts). With no DATABASE_URL, Django uses SQLite under DATA_DIR.
WEB_PROCESSES=N serves the port with N ASGI server processes (platform/supervision.py, which
also holds supervisord's configuration and the programs' command lines).

`test` with no DATABASE_URL runs the suite on SQLite, then the PostgreSQL-only
tests (marked `postgresql`) in a second session against a private PostgreSQL it
starts under DATA_DIR with the server's own initdb/pg_ctl, and stops on exit.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # supervision.py and private_servers.py, beside this file
from private_servers import (  # the tests reach all of these through this module (tests/processes.py)
    DATA_DIR,
    PYTHON,
    PrivatePostgres,
    PrivateRedis,  # noqa: F401
    _socket_answers,
    environment,
    free_port,
    postgres_bindir,  # noqa: F401
    redis_command,
    redis_executable,  # noqa: F401
)
from supervision import (
    BIN,
    ROOT,
    SHORT_LIVED_CONNECTIONS,
    Supervisor,
    beat_command,
    log,
    production_settings,
    web_command,
    web_processes,
    worker_command,
)

# --- Supervision (make run): platform/supervision.py -------------------------


def manage(env: dict, *args: str, capture: bool = False, shielded: bool = False) -> str:
    """Run a manage.py command. `shielded`: in its own session, so a Ctrl-C meant for the whole
    platform lets it finish its transaction (the launcher then stops) instead of breaking it."""
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else None,
        start_new_session=shielded,
    )
    return result.stdout or ""


def wait_healthy(url: str, supervisor: Supervisor, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if not supervisor.alive():
            raise RuntimeError("supervisord exited during start-up")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            last = error.read().decode(errors="replace")[:300]
        except OSError as error:
            last = str(error)
        time.sleep(0.5)
    raise RuntimeError(f"/healthz did not answer 200 within {timeout:.0f}s: {last}")


def programs(env: dict, host: str, port: str) -> dict[str, tuple[list[str], dict]]:
    """What `serve` supervises: name -> (command, environment added for that program)."""
    found: dict[str, tuple[list[str], dict]] = {}
    if not env.get("REDIS_URL"):
        sock, broker_port = DATA_DIR / "redis.sock", free_port()
        env["REDIS_URL"] = f"unix://{sock}"
        if _socket_answers(sock):  # `run.py redis` or `make test` runs one for this DATA_DIR: share it
            log(f"Reusing the private Redis already answering on {sock} (not supervised by this launcher)")
        else:
            sock.unlink(missing_ok=True)
            found["redis"] = (redis_command(DATA_DIR, sock, broker_port), {})
            env.setdefault("CELERY_BROKER_URL", f"redis://127.0.0.1:{broker_port}/0")
    found["web"] = (web_command(host, port, web_processes(env)), {})
    found["worker"] = (worker_command(), SHORT_LIVED_CONNECTIONS)
    found["beat"] = (beat_command(DATA_DIR / "celerybeat-schedule"), SHORT_LIVED_CONNECTIONS)
    return found


# --- Commands ------------------------------------------------------------


def compile_catalogues(root: Path = ROOT) -> list[Path]:
    """Compile each translation catalogue (locale/<lang>/LC_MESSAGES/<domain>.po) whose .mo is
    missing or older, with Babel (a runtime dependency): no GNU gettext needed to run. The .mo
    files are build products, never committed. Returns the catalogues it compiled."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    compiled = []
    for po in sorted(root.glob("locale/*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parts[-3], abort_invalid=True)
        partial = mo.with_suffix(".mo.tmp")
        with partial.open("wb") as target:
            write_mo(target, catalog, use_fuzzy=False)
        partial.replace(mo)
        compiled.append(po)
    return compiled


def serve() -> int:
    env = dict(os.environ)
    env.setdefault("DATA_DIR", str(DATA_DIR))
    env.setdefault("PYTHONUNBUFFERED", "1")
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    host = env.get("HOST", "127.0.0.1")
    port = env.get("PORT", "8000")
    public_host(env, host)
    env.setdefault("SITE_URL", f"http://{env['PUBLIC_HOST']}:{port}")  # links in the banner, emails and QR codes
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    supervisor = Supervisor(DATA_DIR)
    stopping = False

    def on_signal(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    code = 0
    try:
        setup_env = {**env, "DB_POOL": "false"}
        compile_catalogues()
        manage(setup_env, "migrate", "--noinput", "-v", "0")
        manage(setup_env, "collectstatic", "--noinput", "-v", "0")
        if stopping:
            return 0
        supervisor.write(programs(env, host, port), numprocs={"web": web_processes(env)})
        supervisor.start(env)
        base = f"http://{env['PUBLIC_HOST']}:{port}"
        health = wait_healthy(f"http://{'127.0.0.1' if host in WILDCARDS else host}:{port}/healthz", supervisor)
        # The demo is seeded once everything runs: its online screening starts on autopilot, and
        # that start is broadcast and scheduled through the Redis that supervisord has just started.
        summary = demo_summary(setup_env)
        if stopping:  # Ctrl-C while the demo was being seeded: it finished; now stop everything
            return 0
        print(banner(base, health, summary, web_processes(env)), flush=True)
        while not stopping:
            if not supervisor.alive():
                log(f"supervisord exited with code {supervisor.proc.returncode}")
                code = 1
                break
            time.sleep(0.3)
    except (RuntimeError, ValueError, subprocess.CalledProcessError) as error:
        log(f"Start-up failed: {error}")
        code = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        supervisor.stop()
    return code


WILDCARDS = {"0.0.0.0", "::", ""}  # noqa: S104 - recognising the operator's choice, not binding


def lan_address() -> str | None:
    """This machine's address on the local network (the one a route to the outside would use;
    nothing is sent), or None without a network."""

    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed anywhere, only looked up
        address = probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") else address


def public_host(env: dict, host: str) -> None:
    """`HOST=0.0.0.0 make run` serves the venue's network: the join link and QR codes must carry an
    address phones can reach, not 0.0.0.0, and Django must accept requests (and sockets) for it."""
    public = host
    if host in WILDCARDS:
        public = lan_address() or "127.0.0.1"
    env.setdefault("PUBLIC_HOST", public)
    if public not in ("127.0.0.1", "localhost") and "DJANGO_ALLOWED_HOSTS" not in env:
        env["DJANGO_ALLOWED_HOSTS"] = ",".join(["127.0.0.1", "localhost", "[::1]", env["PUBLIC_HOST"]])


def demo_summary(env: dict) -> str:
    """Demo data and its logins, only on a development settings module: a production module
    gets no demo superuser and no password printed (create one with createsuperuser)."""
    if production_settings(env):
        return "Production settings: no demo data. Create a superuser with `manage.py createsuperuser`."
    try:
        return manage(env, "demo_seed", capture=True, shielded=True)
    except subprocess.CalledProcessError:
        return "No demo data (demo_seed refused: DEBUG is off). Set DJANGO_DEBUG=true for the demo."


def banner(base: str, health: dict, summary: str, processes: int = 1) -> str:
    lines = [
        "",
        "=" * 72,
        f"  The platform is up at {base}   (healthz: {health.get('status')})",
        f"  ASGI server processes on that port: {processes}   (WEB_PROCESSES)",
        f"  Admin:     {base}/admin/",
        f"  API docs:  {base}/api/docs/      schema: {base}/api/schema/",
    ]
    lines += [f"  {line}" for line in summary.strip().splitlines()]
    lines += [
        "  Every process is restarted if it dies:  python platform/run.py ctl status",
        "  Stop everything with Ctrl-C.",
        "=" * 72,
        "",
    ]
    return "\n".join(lines)


def run_tests(args: list[str]) -> int:
    env, redis = environment()
    postgres = None
    try:
        compile_catalogues()
        code = subprocess.call([PYTHON, "-m", "pytest", *args], cwd=ROOT, env=env)
        if env.get("DATABASE_URL") or env.get("PRIVATE_POSTGRES", "on") == "off" or code not in (0, 5):
            return code
        postgres = PrivatePostgres(DATA_DIR)
        reason = postgres.unavailable_reason()
        if reason:
            log(f"PostgreSQL-only tests skipped: {reason}")
            return code
        postgres.start()
        log("PostgreSQL-only tests (race and lock tests, marked `postgresql`) on the private server")
        pg_env = {**env, "DATABASE_URL": postgres.url}
        pg_code = subprocess.call([PYTHON, "-m", "pytest", *args, "-m", "postgresql"], cwd=ROOT, env=pg_env)
        if pg_code == 5:  # the arguments selected no PostgreSQL-only test
            pg_code = 0
        return code if pg_code == 0 else pg_code
    finally:
        if postgres:
            postgres.stop()
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


def ctl(args: list[str]) -> int:
    conf = DATA_DIR / "supervisord.conf"
    if not conf.exists():
        print(f"No {conf}: start the platform with `make run` first.")
        return 2
    return subprocess.call([str(BIN / "supervisorctl"), "-c", str(conf), *args])


def main(argv: list[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("serve", [])
    if command == "serve":
        return serve()
    if command == "test":
        return run_tests(rest)
    if command == "redis":
        return redis_only()
    if command == "ctl":
        return ctl(rest)
    if command == "compilemessages":
        for po in compile_catalogues():
            log(f"compiled {po.relative_to(ROOT)}")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
