import pytest
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_token_for_good_credentials(api_client):
    UserFactory(username="ana", password="s3cret-pass-word")

    response = api_client.post("/api/auth/token/", {"username": "ana", "password": "s3cret-pass-word"}, format="json")

    assert response.status_code == 200
    token = response.json()["token"]
    assert len(token) == 40


def test_bad_credentials_get_the_documented_error_shape(api_client):
    UserFactory(username="ana", password="s3cret-pass-word")

    response = api_client.post("/api/auth/token/", {"username": "ana", "password": "wrong"}, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["message"]


def test_missing_fields_are_named(api_client):
    response = api_client.post("/api/auth/token/", {}, format="json")

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"username", "password"}


def test_malformed_json_is_invalid_not_500(api_client):
    response = api_client.post("/api/auth/token/", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_unknown_api_path_is_json_not_found(client):
    response = client.get("/api/no-such-thing/")

    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}


def test_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    assert "/api/auth/token/" in schema.json()["paths"]
    assert docs.status_code == 200


def test_home_page_renders(client):
    response = client.get("/")

    assert response.status_code == 200
    assert b"Episodic screenings" in response.content


@pytest.mark.parametrize("debug", [False, True])
def test_unknown_api_path_is_json_not_found_even_under_debug(client, settings, debug):
    settings.DEBUG = debug

    response = client.get("/api/polls/null,null/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("debug", [False, True])
def test_post_without_the_trailing_slash_is_a_json_404_naming_the_path(settings, debug):
    settings.DEBUG = debug  # Django's APPEND_SLASH raised a RuntimeError (a 500) for this under DEBUG
    client = Client(enforce_csrf_checks=True)  # as an API client: no CSRF cookie

    response = client.post("/api/productions", {"title": "x"}, content_type="application/json")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert "/api/productions/" in response.json()["error"]["message"]


def test_get_without_the_trailing_slash_still_redirects(client):
    response = client.get("/api/productions?page=2")

    assert response.status_code == 301
    assert response["Location"] == "/api/productions/?page=2"
