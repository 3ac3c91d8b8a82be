"""`make bench`: the platform started as production runs it, driven by bench/loadgen.py from outside.

    make bench                                   # VIEWERS=1000 VOTES=1, one web process per core
    make bench VIEWERS=3000 VOTES=2 WEB_PROCESSES=2
    BENCH_DATABASE=sqlite make bench             # the embedded SQLite instead of PostgreSQL

1. A fresh PostgreSQL database: BENCH_DATABASE_URL (created here, refused if it exists), else
   `bench_<random>` on the server of DATABASE_URL when that is PostgreSQL, else on
   postgres://postgres@127.0.0.1:5432. Dropped at the end (BENCH_KEEP_DATABASE=1 keeps it).
   BENCH_DATABASE=sqlite: the embedded SQLite in the run's DATA_DIR instead.
2. Redis: REDIS_URL (default redis://127.0.0.1:6379/0), with key prefixes and queue names of this
   run only, so a shared Redis is fine; BENCH_REDIS=private lets the launcher start its own.
3. The launcher `make run` uses (platform/run.py serve: migrate, collectstatic, then supervisord with
   WEB_PROCESSES web processes on one port, the Celery worker and beat), on
   config.settings.production (a random secret key; HTTP, as behind a TLS-terminating proxy:
   DJANGO_SECURE_SSL_REDIRECT=false; e-mails discarded), in a temporary DATA_DIR, on BENCH_PORT
   (default: a free port). WEB_PROCESSES defaults to the core count, as production's does.
4. An organizer account, the operator's way: `manage.py createsuperuser --noinput`.
5. bench/loadgen.py as a separate process (--sync): at its phases ready / joined / voted / done,
   the resident memory and CPU seconds of every supervised process (web processes, worker and
   its pool, beat) and of the load generator are read from /proc.

Prints a table, then one JSON line (the last line of stdout) with every figure.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
PAGE = os.sysconf("SC_PAGE_SIZE")
TICK = os.sysconf("SC_CLK_TCK")


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- Database ------------------------------------------------------------------


class Database:
    """A PostgreSQL database this run creates and drops, or the embedded SQLite (url None)."""

    def __init__(self, env: dict):
        self.url: str | None = None
        self.created = False
        if env.get("BENCH_DATABASE", "").lower() == "sqlite":
            return
        url = env.get("BENCH_DATABASE_URL")
        if not url:
            server = env.get("DATABASE_URL", "")
            if not server.startswith(("postgres://", "postgresql://")):
                server = "postgres://postgres@127.0.0.1:5432/postgres"
            url = urlunsplit(urlsplit(server)._replace(path=f"/bench_{secrets.token_hex(4)}"))
        self.url = url
        self.keep = env.get("BENCH_KEEP_DATABASE") == "1"

    def _admin(self):
        import psycopg

        return psycopg.connect(urlunsplit(urlsplit(self.url)._replace(path="/postgres")), autocommit=True)

    @property
    def name(self) -> str:
        return urlsplit(self.url).path.lstrip("/")

    def create(self) -> None:
        if not self.url:
            return
        from psycopg import sql

        with self._admin() as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.name]).fetchone():
                raise SystemExit(f"database {self.name} exists: the bench wants a fresh one (or drop it)")
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))
        self.created = True

    def drop(self) -> None:
        if not self.created or self.keep:
            return
        from psycopg import sql

        with self._admin() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name)))


# --- Processes -----------------------------------------------------------------


def _stat(pid: int) -> tuple[int, float, int] | None:
    """(parent pid, CPU seconds, resident bytes) from /proc, or None if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK, int(fields[21]) * PAGE


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat:
                children.setdefault(stat[0], []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found


def supervised(data_dir: Path, env: dict) -> dict[str, int]:
    """name -> pid of every program supervisord runs (supervisorctl status)."""
    out = subprocess.run(
        [PYTHON, "platform/run.py", "ctl", "status"], cwd=ROOT, env=env, capture_output=True, text=True
    ).stdout
    pids = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[1] == "RUNNING" and parts[2] == "pid":
            pids[parts[0]] = int(parts[3].rstrip(","))
    return pids


def sample(pids: dict[str, int]) -> dict[str, dict]:
    """Per program: CPU seconds and resident bytes, its children included (the worker's pool)."""
    figures = {}
    for name, pid in pids.items():
        cpu = rss = 0.0
        for member in descendants(pid):
            stat = _stat(member)
            if stat:
                cpu, rss = cpu + stat[1], rss + stat[2]
        figures[name] = {"cpu": cpu, "rss": rss}
    return figures


# --- The platform --------------------------------------------------------------


def platform_env(data_dir: Path, port: int, database: Database) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    run = secrets.token_hex(3)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="false",  # plain HTTP on the loopback, as behind a TLS proxy
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",  # no mailbox for the tickets
        DATA_DIR=str(data_dir),
        PORT=str(port),
        HOST="127.0.0.1",
        WEB_PROCESSES=env.get("WEB_PROCESSES") or str(os.cpu_count() or 1),
        CHANNELS_PREFIX=f"bench{run}",
        RATE_LIMIT_PREFIX=f"bench{run}-rl",
        CELERY_TASK_DEFAULT_QUEUE=f"bench{run}",
        CELERY_DECISIONS_QUEUE=f"bench{run}-decisions",
        PYTHONUNBUFFERED="1",
    )
    env.pop("TEST_RUN_ID", None)  # a test session's: the platform here has its own queues
    if database.url:
        env["DATABASE_URL"] = database.url
    if env.get("BENCH_REDIS") == "private":
        env.pop("REDIS_URL", None)
    else:
        env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    return env


def redis_forget(env: dict) -> None:
    """Delete what this run left in a shared Redis (Celery's queue bindings, counters): every key
    carries the run's CHANNELS_PREFIX or queue name. The launcher's private Redis goes with it."""
    if "REDIS_URL" not in env:
        return
    import redis

    tag = env["CHANNELS_PREFIX"]
    try:
        client = redis.Redis.from_url(env["REDIS_URL"], socket_timeout=5)
        keys = list(client.scan_iter(match=f"*{tag}*", count=1000))
        if keys:
            client.delete(*keys)
    except (redis.RedisError, OSError) as error:
        log(f"could not clean up Redis keys *{tag}*: {error}")


def raise_open_files() -> None:
    """Every socket is a file in a web process: let the processes (and supervisord's children,
    which inherit it) open as many as the hard limit allows, as an operator's LimitNOFILE would."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def start_platform(env: dict, log_path: Path, timeout: float = 300) -> subprocess.Popen:
    out = open(log_path, "ab")

    def stop_with_orchestrator():
        # Linux: the launcher gets SIGTERM (and stops everything) if this process is killed, e.g.
        # by a test's timeout; as platform/supervision.py does for supervisord.
        with contextlib.suppress(Exception):
            import ctypes

            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG

    proc = subprocess.Popen(
        [PYTHON, "platform/run.py", "serve"],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # a Ctrl-C on the terminal reaches it only through stop_platform
        preexec_fn=stop_with_orchestrator,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the launcher exited ({proc.returncode}):\n{log_path.read_text()[-4000:]}")
        if "The platform is up" in log_path.read_text(errors="replace"):
            return proc
        time.sleep(0.5)
    stop_platform(proc)
    raise RuntimeError(f"the launcher did not come up in {timeout:.0f} s:\n{log_path.read_text()[-4000:]}")


def stop_platform(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C, as to `make run`
        try:
            proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wait_web_processes(data_dir: Path, env: dict, count: int, timeout: float = 60) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while True:
        pids = supervised(data_dir, env)
        if sum(name.startswith("web") for name in pids) >= count or time.monotonic() > deadline:
            return pids
        time.sleep(0.5)


# --- The run ------------------------------------------------------------------


def run_loadgen(args: list[str], env: dict, on_phase) -> dict:
    proc = subprocess.Popen(
        [PYTHON, str(ROOT / "bench" / "loadgen.py"), *args, "--sync"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out: list[str] = []
    reader = threading.Thread(target=lambda: out.extend(proc.stdout), daemon=True)
    reader.start()
    for line in proc.stderr:
        sys.stderr.write(line)
        if line.startswith("loadgen: phase "):
            on_phase(line.split()[-1], proc.pid)
            proc.stdin.write("\n")
            proc.stdin.flush()
    proc.wait()
    reader.join()
    if proc.returncode != 0:
        raise RuntimeError(f"loadgen exited with {proc.returncode}")
    return json.loads("".join(out).strip().splitlines()[-1])


def figures_per_process(samples: dict[str, dict], joined: int) -> dict:
    """CPU seconds per phase and resident memory per program, and memory per idle socket."""
    ready, after_join, after_votes, end = (samples[k] for k in ("ready", "joined", "voted", "done"))
    per_process = {}
    for name in end:
        if name not in ready:
            continue
        per_process[name] = {
            "cpu_join_s": round(after_join[name]["cpu"] - ready[name]["cpu"], 2),
            "cpu_votes_s": round(after_votes[name]["cpu"] - after_join[name]["cpu"], 2),
            "cpu_decision_s": round(end[name]["cpu"] - after_votes[name]["cpu"], 2),
            "rss_ready_mib": round(ready[name]["rss"] / 2**20, 1),
            "rss_joined_mib": round(after_join[name]["rss"] / 2**20, 1),
            "rss_end_mib": round(end[name]["rss"] / 2**20, 1),
        }
    web = [n for n in per_process if n.startswith("web")]
    delta = sum(after_join[n]["rss"] - ready[n]["rss"] for n in web)
    return {
        "processes": per_process,
        "web_rss_delta_mib": round(delta / 2**20, 1),
        "memory_per_socket_kib": round(delta / joined / 1024, 1) if joined else None,
    }


def table(result: dict) -> str:
    lg = result["loadgen"]

    def trio(d: dict, keys=("p50", "p99", "max")) -> str:
        return " / ".join("-" if d.get(k) is None else f"{d[k]:,.0f}" for k in keys)

    rows = [
        ("setup", f"{result['database']}, {result['web_processes']} web processes, Redis {result['redis']}"),
        ("viewers / votes per viewer", f"{lg['viewers']:,} / {lg['votes_per_viewer']}"),
        ("sockets joined", f"{lg['sockets_joined']:,} in {lg['join_total_seconds']} s ({lg['join_per_second']}/s)"),
        ("join ms p50 / p99 / max", trio(lg["join_ms"])),
        ("web memory per idle socket", f"{result['memory_per_socket_kib']} KiB ({result['web_rss_delta_mib']} MiB)"),
        (
            "votes sent / accepted / refused",
            f"{lg['votes_sent']:,} / {lg['votes_accepted']:,} / {lg['votes_refused_total']:,} {lg['votes_refused'] or ''}"
            + (f" late answers: {lg['late_answers']}" if lg["late_answers"] else ""),
        ),
        ("refused poll_closed, sent before the close", f"{lg['votes_refused_closed_sent_in_time']:,}"),
        (
            "votes counted (GET /api/polls/)",
            f"{lg['votes_counted']:,} (expected {lg['voters_expected']:,}; exact: {lg['counts_exact']})",
        ),
        (
            "votes sent",
            f"spread over {lg['vote_window_seconds']:g} s" if lg.get("vote_window_seconds") else "all at once",
        ),
        ("votes/s", f"{lg['votes_per_second']}"),
        ("ack ms p50 / p95 / p99 / max", trio(lg["ack_ms"], ("p50", "p95", "p99", "max"))),
        ("poll.decided ms after close p50 / p99 / max", trio(lg["decided_ms_after_close"])),
        (
            "  of which: decision (server decided_at), delivery p50 / max",
            f"{lg['server_decided_ms_after_close']} ms, "
            f"{lg['delivered_ms_after_decided']['p50']} / {lg['delivered_ms_after_decided']['max']} ms",
        ),
        (
            "sockets that got poll.decided",
            f"{lg['decided_sockets']:,} of {lg['sockets_joined']:,}"
            + (f" (dropped: {lg['dropped_how']})" if lg["dropped_how"] else ""),
        ),
        (
            "tallies per socket (/s open, peak /s)",
            f"{lg['tallies_per_socket']} ({lg['tallies_per_socket_per_second']}, {lg['tallies_peak_per_socket_per_second']})",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    lines = [f"{label:<{width}}  {value}" for label, value in rows]
    lines.append("")
    lines.append(
        f"{'process':<14}{'CPU s join':>11}{'votes':>8}{'decision':>10}{'RSS MiB ready':>15}{'joined':>8}{'end':>8}"
    )
    for name, p in result["processes"].items():
        lines.append(
            f"{name:<14}{p['cpu_join_s']:>11}{p['cpu_votes_s']:>8}{p['cpu_decision_s']:>10}"
            f"{p['rss_ready_mib']:>15}{p['rss_joined_mib']:>8}{p['rss_end_mib']:>8}"
        )
    return "\n".join(lines)


def main() -> int:
    viewers = int(os.environ.get("VIEWERS") or 1000)
    votes = int(os.environ.get("VOTES") or 1)
    raise_open_files()
    database = Database(dict(os.environ))
    data_dir = Path(tempfile.mkdtemp(prefix="bench", dir="/tmp"))  # short: unix socket paths
    port = int(os.environ.get("BENCH_PORT") or free_port())
    env = platform_env(data_dir, port, database)
    base = f"http://127.0.0.1:{port}"
    log(
        f"DATA_DIR {data_dir}, {base}, database {database.url or 'SQLite'}, REDIS_URL {env.get('REDIS_URL', 'private')}"
    )
    platform = None
    samples: dict[str, dict] = {}
    try:
        database.create()
        platform = start_platform(env, data_dir / "platform.log")
        web_count = int(env["WEB_PROCESSES"])
        password = secrets.token_urlsafe(16)
        subprocess.run(
            [PYTHON, "manage.py", "createsuperuser", "--noinput"],
            cwd=ROOT,
            env={
                **env,
                "DB_POOL": "false",
                "DJANGO_SUPERUSER_USERNAME": "bench",
                "DJANGO_SUPERUSER_PASSWORD": password,
                "DJANGO_SUPERUSER_EMAIL": "bench@bench.example",
            },
            check=True,
            stdout=sys.stderr,  # stdout is the table and the JSON line only
        )
        urllib.request.urlopen(f"{base}/healthz", timeout=10).read()
        pids = wait_web_processes(data_dir, env, web_count)
        log(f"supervised: {pids}")

        def on_phase(name: str, loadgen_pid: int) -> None:
            samples[name] = sample({**pids, "loadgen": loadgen_pid})

        # --password=…: a generated password may begin with "-", which argparse would take for an option
        args = ["--base", base, "--username", "bench", f"--password={password}"]
        args += ["--viewers", str(viewers), "--votes", str(votes)]
        if os.environ.get("VOTE_WINDOW"):
            args += ["--vote-window", os.environ["VOTE_WINDOW"]]
        if os.environ.get("BENCH_POLL_SECONDS"):
            args += ["--poll-seconds", os.environ["BENCH_POLL_SECONDS"]]
        loadgen_env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO")}
        result_lg = run_loadgen(args, loadgen_env, on_phase)
        result = {
            "bench": "loadgen",
            "database": "PostgreSQL" if database.url else "SQLite",
            "redis": "private" if "REDIS_URL" not in env else urlsplit(env["REDIS_URL"]).netloc or env["REDIS_URL"],
            "web_processes": web_count,
            **figures_per_process(samples, result_lg["sockets_joined"]),
            "loadgen": result_lg,
        }
        print(table(result), flush=True)
        print(json.dumps(result), flush=True)
        return 0
    finally:
        if platform:
            stop_platform(platform)
        database.drop()
        redis_forget(env)
        if os.environ.get("BENCH_KEEP_DATA") != "1":
            shutil.rmtree(data_dir, ignore_errors=True)
        else:
            log(f"kept {data_dir}")


if __name__ == "__main__":
    sys.exit(main())
