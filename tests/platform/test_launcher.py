"""`make run`'s launcher: serves /healthz with 200 on embedded defaults and stops every process."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.processes import free_port

ROOT = Path(__file__).resolve().parents[2]


def _descendants(pid: int) -> set[int]:
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            child = int(stat.parent.name)
            children |= {child} | _descendants(child)
    return children


@pytest.mark.integration
@pytest.mark.timeout(240)
def test_launcher_serves_health_on_embedded_defaults_and_stops_everything(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(DATA_DIR=str(tmp_path / "data"), PORT=str(port))
    launcher = subprocess.Popen(
        [sys.executable, "platform/run.py", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    started = time.monotonic()
    body, spawned = None, set()
    try:
        while time.monotonic() - started < 180 and launcher.poll() is None:
            spawned |= _descendants(launcher.pid)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                    body = json.load(response)
                    break
            except OSError:
                time.sleep(0.5)
        spawned |= _descendants(launcher.pid)
    finally:
        launcher.send_signal(signal.SIGINT)
        output, _ = launcher.communicate(timeout=60)

    assert body is not None and body["status"] == "ok", output[-3000:]
    assert launcher.returncode == 0, output[-3000:]
    assert "All processes stopped" in output
    assert (tmp_path / "data" / "db.sqlite3").exists()
    still_running = [pid for pid in spawned if Path(f"/proc/{pid}").exists()]
    assert still_running == [], output[-3000:]
    assert len(spawned) >= 4  # redis, uvicorn, worker, beat (and their children)


def _launcher():
    from tests.processes import launcher

    return launcher


def test_web_processes_default_to_one_in_development_and_one_per_core_in_production():
    launcher = _launcher()
    assert launcher.web_processes({}) == 1
    assert launcher.web_processes({"DJANGO_SETTINGS_MODULE": "config.settings.local"}) == 1
    assert launcher.web_processes({"DJANGO_SETTINGS_MODULE": "config.settings.production"}) == (os.cpu_count() or 1)
    assert launcher.web_processes({"DJANGO_SETTINGS_MODULE": "config.settings.production", "WEB_PROCESSES": "3"}) == 3
    for wrong in ("0", "-2", "two"):
        with pytest.raises(ValueError, match="WEB_PROCESSES"):
            launcher.web_processes({"WEB_PROCESSES": wrong})


def test_host_on_every_interface_gives_phones_the_lan_address(monkeypatch):
    launcher = _launcher()
    monkeypatch.setattr(launcher, "lan_address", lambda: "192.168.1.23")
    env: dict = {}
    launcher.public_host(env, "0.0.0.0")
    assert env["PUBLIC_HOST"] == "192.168.1.23"  # QR codes and the join link: reachable from a phone
    assert "192.168.1.23" in env["DJANGO_ALLOWED_HOSTS"].split(",")

    loopback: dict = {}
    launcher.public_host(loopback, "127.0.0.1")  # the default: nothing changes
    assert loopback == {"PUBLIC_HOST": "127.0.0.1"}

    chosen = {"DJANGO_ALLOWED_HOSTS": "cinema.example"}
    launcher.public_host(chosen, "0.0.0.0")
    assert chosen["DJANGO_ALLOWED_HOSTS"] == "cinema.example"  # what the operator set wins


def test_the_lan_address_is_a_real_interface_address_or_none():
    address = _launcher().lan_address()
    assert address is None or not address.startswith("127.")


def test_make_run_with_web_processes_runs_that_many_server_processes_on_the_one_port(tmp_path):
    launcher = _launcher()
    env = {"REDIS_URL": "redis://127.0.0.1:1/0", "WEB_PROCESSES": "4"}
    web = launcher.programs(env, "127.0.0.1", "8123")["web"][0]
    assert web[1:] == [str(launcher.ROOT / "platform" / "reuseport.py"), "127.0.0.1", "8123"]
    supervisor = launcher.Supervisor(tmp_path)
    supervisor.write({"web": (web, {})}, numprocs={"web": 4})
    conf = supervisor.conf.read_text()
    assert "numprocs=4\nprocess_name=%(program_name)s-%(process_num)d" in conf
    single = launcher.programs({"REDIS_URL": "redis://127.0.0.1:1/0"}, "127.0.0.1", "8123")["web"][0]
    assert Path(single[0]).name == "uvicorn"
    supervisor.write({"web": (single, {})})
    assert "numprocs" not in supervisor.conf.read_text()


def test_each_of_several_server_processes_runs_uvicorn_with_the_single_process_options():
    import uvicorn

    from tests.processes import supervision

    args = supervision.web_command("127.0.0.1", 8123)
    params = uvicorn.main.make_context("uvicorn", args[1:]).params  # the `uvicorn` command (click)
    assert params["app"] == supervision.UVICORN_APP
    assert {key: params[key] for key in supervision.UVICORN_OPTIONS} == supervision.UVICORN_OPTIONS
