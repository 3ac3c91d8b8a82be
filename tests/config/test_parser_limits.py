"""REST bodies: nesting and size are bounded by one parser; odd paths still get the JSON 404."""

import json

import pytest
from django.test import Client, override_settings
from rest_framework.test import APIClient

from config.jsonparse import JSONTooDeep, json_loads_bounded
from screenings.models import Order
from tests.factories import ScreeningFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def screening():
    return ScreeningFactory()


def assert_error(response, status, code):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code and body["error"]["message"]


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def test_deeply_nested_json_is_invalid_not_a_500(screening):
    client = APIClient(raise_request_exception=False)
    for path in (f"/api/screenings/{screening.pk}/orders/", "/api/auth/token/", "/api/polls/1/votes/"):
        response = client.post(path, data=nested(5000), content_type="application/json")
        assert_error(response, 400, "invalid")
    body = '{"email": "a@example.org", "quantity": 1, "x": ' + nested(100) + "}"
    assert_error(
        client.post(f"/api/screenings/{screening.pk}/orders/", body, content_type="application/json"), 400, "invalid"
    )
    assert not Order.objects.exists()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=10_000)
def test_a_body_over_the_limit_is_413_in_the_error_shape(screening):
    client = APIClient(raise_request_exception=False)
    big = json.dumps({"email": "a@example.org", "quantity": 1, "name": "x" * 20_000})

    assert_error(
        client.post(f"/api/screenings/{screening.pk}/orders/", big, content_type="application/json"), 413, "too_large"
    )
    form = client.post(f"/api/screenings/{screening.pk}/orders/", {"email": "a@example.org", "name": "x" * 20_000})
    assert_error(form, 413, "too_large")
    assert not Order.objects.exists()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=10_000)
def test_a_page_form_over_the_limit_is_413_not_a_500(screening):
    response = Client(raise_request_exception=False).post(
        f"/screenings/{screening.pk}/", {"email": "a@example.org", "quantity": 1, "name": "x" * 20_000}
    )
    assert response.status_code == 413
    assert not Order.objects.exists()


@override_settings(DEBUG=True)
@pytest.mark.parametrize("path", ["/api/foo%0A", "/api/tickets/abc%0A/", "/api/%0A%0D", "/api/screenings/1%0A/"])
def test_an_api_path_with_a_newline_gets_the_json_404_even_under_debug(client, path):
    assert_error(client.get(path), 404, "not_found")


def test_the_depth_bound():
    assert json_loads_bounded(nested(32)) == json.loads(nested(32))
    assert json_loads_bounded('{"a": {"b": [1, {"c": 2}]}}') == {"a": {"b": [1, {"c": 2}]}}
    for text in (nested(33), nested(5000), nested(100_000)):
        with pytest.raises(JSONTooDeep):
            json_loads_bounded(text)
    with pytest.raises(ValueError):
        json_loads_bounded("[NaN]")
    assert json_loads_bounded(nested(3), max_depth=3) == [[[]]]
