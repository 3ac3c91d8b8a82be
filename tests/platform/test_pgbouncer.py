"""DB_PGBOUNCER: Django's connections work behind a real PgBouncer in transaction mode, where a server
connection passes to another client after every transaction (docs/operations.md "PgBouncer")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests import processes

pytestmark = [pytest.mark.integration, pytest.mark.postgresql, pytest.mark.django_db]
ROOT = Path(__file__).resolve().parents[2]


def _database_settings(**env: str) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; d = s.DATABASES['default']; "
        "print(json.dumps({'options': {k: v for k, v in d['OPTIONS'].items() if k != 'pool'}, "
        "'pool': 'pool' in d['OPTIONS'], 'no_server_cursors': d['DISABLE_SERVER_SIDE_CURSORS'], "
        "'conn_max_age': d['CONN_MAX_AGE']}))"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DB_")}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings.production", DJANGO_SECRET_KEY="x" * 50)
    environment.update(DJANGO_ALLOWED_HOSTS="example.org", DATABASE_URL="postgres://u@db:6432/app", **env)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def _two_clients_alternate(url: str, prepare_threshold) -> None:
    """One client runs a query often enough for psycopg to prepare it, another then holds that server
    connection in a transaction, and the first runs its query again, on another server connection."""
    with (
        psycopg.connect(url, autocommit=True, prepare_threshold=prepare_threshold) as first,
        psycopg.connect(url, prepare_threshold=prepare_threshold) as second,
    ):
        for n in range(8):
            first.execute("SELECT %s::int + 1", (n,)).fetchone()
        second.execute("SELECT 1").fetchone()  # a transaction: it keeps the server connection `first` used
        assert first.execute("SELECT %s::int + 1", (41,)).fetchone() == (42,)
        second.rollback()


def test_behind_pgbouncer_no_server_side_cursors_and_no_prepared_statements():
    plain = _database_settings()
    bounced = _database_settings(DB_PGBOUNCER="true")
    assert plain["pool"] and not plain["no_server_cursors"] and "prepare_threshold" not in plain["options"]
    # The pool stays: it holds client connections to PgBouncer (faster than one per request, measured).
    assert bounced["pool"] and bounced["no_server_cursors"] and bounced["conn_max_age"] == 0
    assert bounced["options"]["prepare_threshold"] is None
    assert _database_settings(DB_DISABLE_SERVER_SIDE_CURSORS="true")["no_server_cursors"]


@pytest.mark.skipif(not processes.PGBOUNCER.exists(), reason="no PgBouncer (Debian's pgbouncer package) installed")
def test_the_settings_survive_transaction_pooling_where_psycopg_defaults_break(process_log_dir):
    bounced = _database_settings(DB_PGBOUNCER="true")
    bouncer, url = processes.pgbouncer(process_log_dir, pool_size=2)
    try:
        _two_clients_alternate(url, bounced["options"]["prepare_threshold"])
        # psycopg's default (prepare after 5 runs) loses its prepared statement to the other server connection.
        with pytest.raises(psycopg.errors.InvalidSqlStatementName):
            _two_clients_alternate(url, 5)
    finally:
        bouncer.stop()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not processes.PGBOUNCER.exists(), reason="no PgBouncer (Debian's pgbouncer package) installed")
def test_no_server_connection_in_time_behind_pgbouncer_is_503_unavailable_never_500(process_log_dir):
    from tests.factories import ScreeningFactory

    screening = ScreeningFactory(capacity=10)
    bouncer, url = processes.pgbouncer(process_log_dir, pool_size=1, query_wait_timeout=1)
    web = None
    try:
        web, base = processes.asgi_server(process_log_dir, DATABASE_URL=url, DB_PGBOUNCER="true")
        order = f"{base}/api/screenings/{screening.pk}/orders/"
        with psycopg.connect(url) as holder:
            holder.execute("SELECT 1").fetchone()  # a transaction holds the one server connection
            refused = _post_json(order, {"email": "a@example.org", "quantity": 1})
        served = _post_json(order, {"email": "b@example.org", "quantity": 1})
    finally:
        if web:
            web.stop()
        bouncer.stop()

    status, body = refused
    assert status == 503 and body["error"]["code"] == "unavailable", refused
    assert served[0] == 201, served
    assert screening.orders.count() == 1  # the refused order stored nothing


def _post_json(url: str, body: dict) -> tuple[int, dict]:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")
