"""Languages (API.md 1.1): the `lang` cookie, else Accept-Language, else English; pages carry
<html lang>, answers Content-Language and Vary: Accept-Language; API errors come in the language."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("accept", "expected"),
    [("ko-KR,ko;q=0.9", "ko"), ("zh-TW", "zh-hant"), ("zh-HK", "zh-hant"), ("zh-CN", "zh-hans"),
     ("zh-Hant", "zh-hant"), ("fr-FR", "en"), ("", "en")],
)  # fmt: skip
def test_a_page_speaks_the_browsers_language(client, accept, expected):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=accept)
    assert response["Content-Language"] == expected
    assert f'<html lang="{expected}">' in response.content.decode()
    assert "Accept-Language" in response["Vary"]


def test_the_lang_cookie_set_by_the_switcher_wins_over_accept_language(client):
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert response.status_code == 302 and response.cookies["lang"].value == "zh-hans"
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="ko")
    assert page["Content-Language"] == "zh-hans"


def test_every_page_has_the_switcher(client):
    html = client.get("/").content.decode()
    assert 'action="/i18n/setlang/"' in html
    for code, name in [("en", "English"), ("ko", "한국어"), ("zh-hant", "繁體中文"), ("zh-hans", "简体中文")]:
        assert f'value="{code}" lang="{code}"' in html and name in html


def test_an_api_error_in_korean_keeps_its_code(api_client):
    body = api_client.get("/api/venues/", HTTP_ACCEPT_LANGUAGE="ko").json()
    assert body["error"]["code"] == "not_authenticated"  # codes never change
    english = api_client.get("/api/venues/", HTTP_ACCEPT_LANGUAGE="en").json()["error"]["message"]
    assert body["error"]["message"] != english
    assert any("\uac00" <= ch <= "\ud7a3" for ch in body["error"]["message"])  # Hangul


def test_the_javascript_catalogue_is_served(client):
    response = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="ko")
    assert response.status_code == 200 and b"gettext" in response.content
