"""POST /api/productions/import/, GET /api/productions/{id}/export.twee and the studio's Import
from Twine page: the documented calls, who may do what, errors in the documented shape."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from screenings.models import Production
from screenings.services import story as services
from tests.screenings.twine_graphs import fixture_text, graph_of, lantern_graph

pytestmark = pytest.mark.django_db
IMPORT = "/api/productions/import/"


def upload(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content if content is not None else fixture_text(name).encode(), "text/html")


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code and body["error"]["message"]
    return body["error"]


# --- Import ------------------------------------------------------------------------------


def test_a_producer_uploads_a_twine_archive_and_gets_the_production_and_the_report(producer, client_for):
    response = client_for(producer).post(IMPORT, {"file": upload("lantern.html"), "duration_seconds": 90})

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"production", "report"}
    production = Production.objects.get(pk=body["production"]["id"])
    assert graph_of(production) == lantern_graph(duration=90)
    assert body["production"]["start_episode"] == production.start_episode_id
    assert {e["title"] for e in body["production"]["episodes"]} == {e.title for e in production.episodes.all()}
    assert len(body["production"]["branches"]) == 4
    broken = next(note for note in body["report"] if note["kind"] == "broken_link")
    assert broken == {
        "kind": "broken_link",
        "passage": "Arrival",
        "line": 9,
        "message": "The link to «The Mainland» leads to no passage: not imported.",
    }


def test_twee_text_can_be_sent_as_json(producer, client_for):
    response = client_for(producer).post(
        IMPORT, {"source": fixture_text("lantern.twee"), "title": "From Twee"}, format="json"
    )

    assert response.status_code == 201, response.content
    production = Production.objects.get(pk=response.json()["production"]["id"])
    assert graph_of(production) == {**lantern_graph(), "title": "From Twee"}


def test_importing_needs_an_account(api_client):
    error = assert_error(api_client.post(IMPORT, {"source": ":: A\nx"}, format="json"), 401, "not_authenticated")

    assert error and not Production.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [({}, "source"), ({"source": ""}, "source"), ({"source": ":: A\nx", "duration_seconds": 0}, "duration_seconds")],
)
def test_missing_or_wrong_fields_are_invalid(producer, client_for, payload, field):
    error = assert_error(client_for(producer).post(IMPORT, payload, format="json"), 400, "invalid")

    assert field in error["fields"]


def test_unreadable_stories_are_invalid_naming_line_and_passage(producer, client_for):
    api = client_for(producer)

    twee = assert_error(api.post(IMPORT, {"source": ":: A\n[[B]]\n:: B [oops\nx"}, format="json"), 400, "invalid")
    html = assert_error(
        api.post(IMPORT, {"file": upload("story.html", b'<tw-storydata>\n<tw-passagedata pid="1">x')}), 400, "invalid"
    )
    binary = assert_error(api.post(IMPORT, {"file": upload("story.twee", b":: A\nok\n\xff\xfe")}), 400, "invalid")
    nul = assert_error(api.post(IMPORT, {"source": ":: A\n\x00"}, format="json"), 400, "invalid")
    surrogate = b'{"source": ":: A\\n\\ud800", "title": "ok"}'
    lone = assert_error(api.post(IMPORT, surrogate, content_type="application/json"), 400, "invalid")
    title = b'{"source": ":: A\\nx", "title": "\\udfff"}'
    bad_title = assert_error(api.post(IMPORT, title, content_type="application/json"), 400, "invalid")

    assert "line 3, passage «B»" in twee["message"] and (twee["line"], twee["passage"]) == (3, "B")
    assert "line 2" in html["message"] and html["line"] == 2
    assert "line 3" in binary["message"] and "UTF-8" in binary["message"] and "file" in binary["fields"]
    assert nul["fields"] and "source" in lone["fields"] and "title" in bad_title["fields"]
    assert not Production.objects.exists()


def test_the_size_limit_is_413_too_large_for_files_and_json(producer, client_for, settings):
    settings.TWINE_IMPORT_MAX_BYTES = 100
    api = client_for(producer)
    big = ":: A\n" + "x" * 100

    assert "100 bytes" in assert_error(api.post(IMPORT, {"source": big}, format="json"), 413, "too_large")["message"]
    assert_error(api.post(IMPORT, {"file": upload("big.twee", big.encode())}), 413, "too_large")
    assert api.post(IMPORT, {"source": big[:90]}, format="json").status_code == 201


# --- Export ------------------------------------------------------------------------------


def test_the_producer_exports_twee_that_reimports_into_the_same_graph(producer, client_for):
    api = client_for(producer)
    first = api.post(IMPORT, {"file": upload("lantern.html")}).json()["production"]

    response = api.get(f"/api/productions/{first['id']}/export.twee")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{first["slug"]}.twee"'
    text = response.content.decode()
    assert text.startswith(":: StoryTitle\nThe Lantern Keeper\n")
    again = api.post(IMPORT, {"file": upload("again.twee", response.content)})
    assert again.status_code == 201
    second = Production.objects.get(pk=again.json()["production"]["id"])
    assert graph_of(second) == graph_of(Production.objects.get(pk=first["id"])) == lantern_graph()


def test_export_is_the_producers_only(story, client_for, other_producer, api_client):
    url = f"/api/productions/{story.production.pk}/export.twee"

    assert_error(api_client.get(url), 401, "not_authenticated")
    assert_error(client_for(other_producer).get(url), 404, "not_found")  # a draft production stays secret
    services.episode_publish(episode=story.ep["arrival"], actor=story.owner)
    assert_error(client_for(other_producer).get(url), 403, "forbidden")  # public, but not theirs
    assert_error(client_for(story.owner).get("/api/productions/999999/export.twee"), 404, "not_found")
    assert client_for(story.owner).get(url).status_code == 200


def test_both_calls_are_in_the_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths, components = schema["paths"], schema["components"]["schemas"]

    request = paths["/api/productions/import/"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(request)
    created = paths["/api/productions/import/"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    assert set(components[created["$ref"].rsplit("/", 1)[-1]]["properties"]) == {"production", "report"}
    assert {"400", "401", "413"} <= set(paths["/api/productions/import/"]["post"]["responses"])
    export = paths["/api/productions/{production_id}/export.twee"]["get"]["responses"]
    assert "text/plain" in export["200"]["content"]
    assert {"401", "403", "404"} <= set(export)


# --- The studio's pages --------------------------------------------------------------------


def test_the_import_page_needs_a_login(client):
    response = client.get("/studio/import/")

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_studio_links_to_the_import_page_which_imports_and_shows_the_report(client, producer):
    client.force_login(producer)

    studio = client.get("/studio/")
    page = client.get("/studio/import/")
    done = client.post("/studio/import/", {"file": upload("lantern.twee"), "duration_seconds": 45})

    assert b'href="/studio/import/"' in studio.content
    assert page.status_code == 200 and b'id="twine-import"' in page.content
    assert done.status_code == 201
    production = Production.objects.get()
    assert graph_of(production) == lantern_graph(duration=45)
    html = done.content.decode()
    assert f'href="/productions/{production.pk}/"' in html
    assert 'data-kind="broken_link"' in html and "The link to «The Mainland» leads to no passage" in html
    assert 'data-kind="loop"' in html and "5 draft episodes" in html


def test_an_unreadable_file_on_the_page_says_where_and_creates_nothing(client, producer):
    client.force_login(producer)

    response = client.post("/studio/import/", {"file": upload("bad.twee", b":: A\nx\n:: B {nope}\ny")})

    assert response.status_code == 400
    assert "line 3, passage «B»" in response.content.decode()
    assert not Production.objects.exists()


def test_the_production_page_links_to_the_twee_export(client, story):
    client.force_login(story.owner)

    page = client.get(f"/productions/{story.production.pk}/")

    assert f'href="/api/productions/{story.production.pk}/export.twee"' in page.content.decode()
    assert client.get(f"/api/productions/{story.production.pk}/export.twee").status_code == 200  # the session works
