"""Property-based fuzzing of every operation in /api/schema/ (schemathesis) against the real ASGI server.

Bounded: SCHEMATHESIS_MAX_EXAMPLES cases per operation (20 by default). Two properties,
whatever the input: no 5xx, and every 4xx is the documented error shape
{"error": {"code": str, "message": str, "fields"?: {...}}}.
"""

from __future__ import annotations

import os

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from tests.factories import ScreeningFactory, UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "20"))


def error_shape(ctx, response, case) -> bool | None:
    """Every 4xx/5xx answer is the documented JSON error shape."""
    if response.status_code < 400:
        return None
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"error"}, f"not the error shape: {response.text[:300]}"
    error = body["error"]
    assert isinstance(error.get("code"), str) and error["code"], error
    assert isinstance(error.get("message"), str) and error["message"], error
    assert not ("fields" in error and not isinstance(error["fields"], dict)), error
    return None


@pytest.fixture
def token():
    """A superuser may call every endpoint (API.md): the fuzzer reaches past the permission checks."""
    user = UserFactory(username="fuzz-root", is_staff=True, is_superuser=True)
    ScreeningFactory(organizer=user)  # something to find at small ids
    return Token.objects.create(user=user).key


@pytest.mark.timeout(900)
def test_no_5xx_and_every_error_in_the_documented_shape(asgi_server, token):
    # Driven as a library (schemathesis' pytest plugin trips over pytest 9's node ids): one
    # bounded Hypothesis run per operation, valid and invalid inputs; every failure is collected.
    schema = schemathesis.openapi.from_url(f"{asgi_server}/api/schema/?format=json")
    operations = [result.ok() for result in schema.get_all_operations()]
    failures: dict[str, str] = {}
    calls = 0
    session = requests.Session()

    for operation in operations:
        strategy = st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
        )

        @given(case=strategy)
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
        )
        def run(case):
            nonlocal calls
            calls += 1
            case.call_and_validate(
                session=session,
                headers={"Authorization": f"Token {token}"},
                checks=[not_a_server_error, error_shape],
                timeout=30,
            )

        try:
            run()
        except (Exception, BaseExceptionGroup) as failure:  # collect every operation's findings, report all
            failures[operation.label] = str(failure)[:1500]

    session.close()
    print(f"schemathesis: {len(operations)} operations, {calls} requests, {len(failures)} failing")
    assert len(operations) >= 30
    assert failures == {}, "\n\n".join(f"{label}: {text}" for label, text in failures.items())
