"""The repository's promises about its own shape and production settings."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_standard_library_platform_module_is_not_hidden():
    assert not (ROOT / "platform" / "__init__.py").exists()
    result = subprocess.run(
        [sys.executable, "-c", "import platform; print(platform.system())"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Linux"


def test_check_deploy_is_clean_with_production_settings():
    env = dict(os.environ, DJANGO_SECRET_KEY=secrets.token_urlsafe(50), DJANGO_ALLOWED_HOSTS="example.org")
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
            "--settings=config.settings.production",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    env["DJANGO_ALLOWED_HOSTS"] = "example.org"
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--settings=config.settings.production"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def _locked_names(lock: str) -> set[str]:
    lines = (ROOT / lock).read_text().splitlines()
    return {line.split("==")[0].strip().lower() for line in lines if "==" in line and not line.startswith("#")}


def test_the_runtime_lock_holds_no_test_or_lint_tool():
    """The image installs requirements.lock only (`make install`): no test tool ships to production."""
    runtime, dev = _locked_names("requirements.lock"), _locked_names("requirements-dev.lock")
    tools = {"pytest", "pytest-django", "playwright", "hypothesis", "factory-boy", "ruff", "uv"}
    assert tools <= dev
    assert not tools & runtime
    assert runtime <= dev  # the dev lock is the runtime plus tools, at the same pins
    dockerfile = (ROOT / "platform" / "Dockerfile").read_text()
    assert "make install " in dockerfile and "requirements-dev" not in dockerfile


def test_no_archives_in_the_tree():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    assert not [name for name in tracked if name.endswith((".whl", ".tar.gz", ".zip", ".egg"))]
