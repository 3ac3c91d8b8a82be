"""Every setting read from the environment is documented in .env.example, and compose restarts
every long-running service."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
TEST_ONLY = {"TEST_RUN_ID"}  # set by the test suite for the processes it starts


def test_every_environment_variable_the_settings_read_is_in_env_example():
    read = set()
    for path in (ROOT / "config" / "settings").glob("*.py"):
        read |= set(re.findall(r'\benv(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]*)"', path.read_text()))
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    assert "DB_POOL_MAX_SIZE" in read  # the pattern finds what it should
    assert sorted(read - documented - TEST_ONLY) == []


def test_compose_restarts_every_long_running_service_and_checks_the_ones_that_can_hang():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for name, service in services.items():
        expected = "no" if name == "migrate" else "unless-stopped"
        assert service.get("restart") == expected, name
    for name in ("postgres", "redis", "web", "worker", "worker-decisions"):
        assert services[name].get("healthcheck", {}).get("test"), name
    assert services["worker"]["environment"]["DB_POOL"] == "false"
    assert services["worker-decisions"]["environment"]["DB_POOL"] == "false"


def test_compose_runs_one_worker_per_queue():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]

    def queues(name: str) -> str:
        command = services[name]["command"]
        return command[command.index("-Q") + 1]

    # config/settings/base.py's defaults: CELERY_DECISIONS_QUEUE and CELERY_TASK_DEFAULT_QUEUE.
    assert queues("worker-decisions") == "decisions"
    assert queues("worker") == "celery"


def test_the_scale_profile_runs_several_web_containers_behind_nginx_on_shards_and_pgbouncer():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    scale = {name: s for name, s in services.items() if "scale" in s.get("profiles", [])}
    webs = sorted(name for name, s in scale.items() if s.get("command", [""])[0] == "uvicorn")
    assert len(webs) >= 2
    upstream = (ROOT / "platform" / "nginx-upstream-scale.conf").read_text()
    assert sorted(re.findall(r"server ([\w-]+):8000", upstream)) == webs  # nginx knows every web container
    proxy = scale["scale-proxy"]
    assert "./platform/nginx-upstream-scale.conf:/etc/nginx/asgi-upstream.conf:ro" in proxy["volumes"]
    assert "include /etc/nginx/asgi-upstream.conf;" in (ROOT / "platform" / "nginx.conf").read_text()
    shards = [name for name, s in scale.items() if s.get("image", "").startswith("redis")]
    assert len(shards) == 2
    for name in [*webs, "scale-worker", "scale-worker-decisions", "scale-beat"]:
        env = scale[name]["environment"]
        assert env["CHANNEL_REDIS_URLS"] == ",".join(f"redis://{shard}:6379/0" for shard in sorted(shards)), name
        assert "@pgbouncer:6432/" in env["DATABASE_URL"] and env["DB_PGBOUNCER"] == "true", name
        assert env["REDIS_URL"] == "redis://redis:6379/0", name  # live counters and the broker
    queues = {
        name: scale[name]["command"][scale[name]["command"].index("-Q") + 1]
        for name in ("scale-worker", "scale-worker-decisions")
    }
    assert queues == {"scale-worker": "celery", "scale-worker-decisions": "decisions"}
    assert scale["pgbouncer"]["environment"]["POOL_MODE"] == "transaction"
