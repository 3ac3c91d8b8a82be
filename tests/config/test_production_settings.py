"""Development defaults never reach production; `check --deploy` stays clean."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(180)


def env_example_value(name: str) -> str:
    return re.search(rf"^{name}=(.*)$", (ROOT / ".env.example").read_text(), re.M).group(1).strip()


def production(tmp_path, *args: str, **env_vars: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_ALLOWED_HOSTS="example.org",
        DATA_DIR=str(tmp_path),
        **env_vars,
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=150
    )


@pytest.mark.parametrize(
    "key",
    ["dev-only-insecure-key-change-me", env_example_value("DJANGO_SECRET_KEY"), "build-only", "change-me-please"],
)
def test_production_refuses_a_secret_key_from_the_repository(tmp_path, key):
    result = production(tmp_path, "check", DJANGO_SECRET_KEY=key)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is a placeholder" in result.stderr


def test_production_refuses_composes_default_database_password(tmp_path):
    result = production(
        tmp_path,
        "check",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL="postgres://episodic:episodic@postgres:5432/episodic",
    )

    assert result.returncode != 0
    assert "default password" in result.stderr


def test_compose_has_no_default_database_password():
    compose = (ROOT / "docker-compose.yml").read_text()
    assert ":-episodic}" not in compose
    assert "${POSTGRES_PASSWORD:?" in compose


def test_check_deploy_is_clean_with_real_secrets(tmp_path):
    result = production(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=f"postgres://episodic:{secrets.token_urlsafe(16)}@127.0.0.1:5432/episodic",
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
