"""The demo (known passwords, a superuser) never reaches production."""

import importlib.util
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import override_settings
from rest_framework.test import APIClient

from screenings.demo import demo_seed
from screenings.models import Order

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_demo_seed_refuses_with_debug_off():
    with pytest.raises(CommandError, match="refuses"):
        call_command("demo_seed")
    assert not get_user_model().objects.filter(username="admin").exists()


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_demo_seed_runs_with_debug_on():
    call_command("demo_seed", password="pw-demo-123")
    assert get_user_model().objects.get(username="admin").is_superuser


@pytest.mark.django_db
def test_demo_seed_runs_with_debug_off_only_when_forced():
    call_command("demo_seed", "--force", password="pw-demo-123")
    assert get_user_model().objects.filter(username="admin").exists()


def test_demo_seed_refuses_under_production_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_DEBUG")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="example.org",
        DATA_DIR=str(tmp_path),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "demo_seed"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "refuses" in result.stderr
    assert "episodic-demo" not in result.stdout + result.stderr
    assert not (tmp_path / "db.sqlite3").exists()  # it stopped before touching a database


def _launcher():
    spec = importlib.util.spec_from_file_location("launcher_under_test", ROOT / "platform" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_make_run_seeds_no_demo_and_prints_no_password_under_production_settings(monkeypatch):
    launcher = _launcher()
    ran = []
    monkeypatch.setattr(launcher, "manage", lambda env, *args, **kw: ran.append(args) or "")

    summary = launcher.demo_summary({"DJANGO_SETTINGS_MODULE": "config.settings.production"})

    assert ran == []
    assert "password" not in summary.lower()
    launcher.demo_summary({"DJANGO_SETTINGS_MODULE": "config.settings.local"})
    assert ran == [("demo_seed",)]


@pytest.mark.django_db
def test_the_demo_order_has_no_replayable_idempotency_key():
    summary = demo_seed(password="pw-demo-123")
    codes = {t.code for t in summary.tickets}
    assert Order.objects.get(tickets__code=next(iter(codes)), tickets__isnull=False).idempotency_digest is None

    for key in ("demo-seed-order", "demo-seed-order-0000"):
        response = APIClient().post(
            f"/api/screenings/{summary.screening.pk}/orders/",
            {"email": "audience@example.org", "name": "Demo audience", "quantity": 4},
            format="json",
            HTTP_IDEMPOTENCY_KEY=key,
        )
        assert not codes & {t["code"] for t in response.json().get("tickets", [])}
