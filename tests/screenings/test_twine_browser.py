"""In a real browser: a producer imports a Twine archive from the studio, reads the report,
opens the new production and downloads it as Twee."""

from __future__ import annotations

import pytest

from screenings.models import Production
from tests.factories import UserFactory
from tests.screenings.twine_graphs import FIXTURES, graph_of, lantern_graph


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_producer_imports_a_twine_story_and_exports_it_again(chromium, asgi_server, tmp_path):
    UserFactory(username="writer", password="pass-word-123")
    page = chromium.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{asgi_server}/accounts/login/?next=/studio/")
    page.get_by_label("Username").fill("writer")
    page.get_by_label("Password").fill("pass-word-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/studio/")

    page.click("#twine-import-link")
    page.wait_for_url("**/studio/import/")
    page.locator("#twine-import").get_by_label("Twine file").set_input_files(str(FIXTURES / "lantern.html"))
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_selector("#twine-report")

    assert "Imported «The Lantern Keeper»" in page.locator("#twine-result h2").inner_text()
    loop = page.locator('#twine-report tr[data-kind="loop"]').inner_text()
    assert "The Lighthouse" in loop and "would loop" in loop
    assert page.locator('#twine-report tr[data-kind="broken_link"]').count() == 1

    page.click("#open-production")
    page.wait_for_url("**/productions/*/")
    assert page.locator("#story-graph svg").count() == 1
    with page.expect_download() as download:
        page.click("#export-twee")
    target = tmp_path / "export.twee"
    download.value.save_as(target)

    production = Production.objects.get()
    assert download.value.suggested_filename == f"{production.slug}.twee"
    assert target.read_text(encoding="utf-8").startswith(":: StoryTitle\nThe Lantern Keeper\n")
    assert graph_of(production) == lantern_graph()
