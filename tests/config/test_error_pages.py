"""Themed error pages (400, 403, 404, 500, a failed CSRF check) in the visitor's language, and a favicon."""

from __future__ import annotations

import json

import pytest
from django.test import Client, RequestFactory
from django.utils import translation

from config.views import server_error
from tests.factories import ScreeningFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("debug", [False, True])
def test_a_wrong_ticket_link_gets_the_sites_404_page_even_under_debug(client, settings, debug):
    settings.DEBUG = debug  # `make run` serves with DEBUG on: no technical page listing URL patterns
    response = client.get("/t/not-a-real-ticket-code/", HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 404
    assert "This page does not exist" in body
    assert "URLconf" not in body and "urlpatterns" not in body
    assert 'class="site-header"' in body  # the site's own layout: header, language switcher
    assert 'name="language"' in body


def test_the_404_page_is_in_the_visitors_language(client):
    client.cookies["lang"] = "ko"
    body = client.get("/t/not-a-real-ticket-code/").content.decode()
    assert '<html lang="ko">' in body


def test_someone_elses_box_office_is_a_themed_403_saying_why(client):
    screening = ScreeningFactory()
    client.force_login(UserFactory())
    response = client.get(f"/box-office/screenings/{screening.pk}/tickets/", HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 403
    assert "You may not open this page" in body
    assert "Only the screening&#x27;s organizer may open its box office." in body


def test_an_expired_form_is_a_themed_403_that_loses_nothing():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "x", "password": "y"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()


def test_the_500_page_needs_no_request_context_and_speaks_the_language():
    request = RequestFactory().get("/somewhere/")
    with translation.override("ko"):
        response = server_error(request)
    body = response.content.decode()
    assert response.status_code == 500
    assert '<html lang="ko">' in body
    assert "favicon.svg" in body


def test_the_500_page_of_the_api_is_the_error_shape():
    response = server_error(RequestFactory().get("/api/polls/1/"))
    assert response.status_code == 500
    assert json.loads(response.content)["error"]["code"] == "server_error"


def test_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")
    assert "favicon.svg" in client.get("/").content.decode()
