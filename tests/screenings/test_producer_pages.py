"""Producer pages: the studio, the production page with its graph picture, episode pages."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect

from screenings.models import Branch, Episode, Production
from screenings.services import story as services
from tests.conftest import wait_until
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def publish(story, *keys):
    for key in keys:
        services.episode_publish(episode=story.ep[key], actor=story.owner)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def owner_client(client, story):
    client.force_login(story.owner)
    return client


# --- Studio ---------------------------------------------------------------------------


def test_studio_needs_a_login(client):
    response = client.get("/studio/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_studio_lists_only_my_productions_and_creates_new_ones(owner_client, story, other_producer):
    services.production_create(owner=other_producer, title="Someone else's")

    page = owner_client.get("/studio/")
    created = owner_client.post("/studio/", {"title": "Second Story", "synopsis": ""}, follow=True)

    assert b"The Lantern Keeper" in page.content and b"Someone else" not in page.content
    production = Production.objects.get(title="Second Story")
    assert created.redirect_chain[-1][0] == f"/productions/{production.pk}/"
    assert production.owner == story.owner


# --- The production page ------------------------------------------------------------


def test_the_owner_sees_the_graph_picture_and_editing_tools(owner_client, story):
    publish(story, "arrival")

    html = owner_client.get(f"/productions/{story.production.pk}/").content.decode()

    svg = html[html.index("<svg") : html.index("</svg>")]
    assert len(re.findall(r'<g class="episode status-', svg)) == 4
    assert f'data-episode="{story.ep["arrival"].pk}" data-status="published"' in svg
    assert len(re.findall(r'<g class="branch', svg)) == 3
    assert len(re.findall(r'<g class="branch default"', svg)) == 1
    assert "START" in svg and "ENDING" in svg
    for form_id in ("new-episode", "new-branch", "production-settings"):
        assert f'id="{form_id}"' in html


def test_the_graph_lays_episodes_out_in_steps_from_the_start(owner_client, story):
    svg = owner_client.get(f"/productions/{story.production.pk}/graph.svg").content.decode()

    def x_of(key):
        match = re.search(rf'data-episode="{story.ep[key].pk}".*?<rect x="([\d.]+)"', svg)
        return float(match.group(1))

    assert x_of("arrival") < x_of("lighthouse") == x_of("fair") < x_of("ending")


def test_others_see_only_published_episodes(client, story, other_producer):
    publish(story, "arrival", "lighthouse")
    client.force_login(other_producer)

    html = client.get(f"/productions/{story.production.pk}/").content.decode()

    assert "Arrival" in html and "The Lighthouse" in html
    assert "The Fair" not in html and 'id="new-episode"' not in html


def test_an_unreleased_production_is_hidden_from_others(client, story, other_producer):
    assert client.get(f"/productions/{story.production.pk}/").status_code == 404
    client.force_login(other_producer)
    assert client.get(f"/productions/{story.production.pk}/").status_code == 404
    assert client.get(f"/episodes/{story.ep['arrival'].pk}/").status_code == 404


def test_another_producer_cannot_change_a_visible_production(client, story, other_producer):
    publish(story, "arrival")
    client.force_login(other_producer)

    settings_post = client.post(f"/productions/{story.production.pk}/settings/", {"title": "Mine"})
    episode_post = client.post(
        f"/productions/{story.production.pk}/episodes/new/", {"title": "X", "duration_seconds": 5}
    )

    assert settings_post.status_code == episode_post.status_code == 403
    assert Production.objects.get(pk=story.production.pk).title == "The Lantern Keeper"
    assert not Episode.objects.filter(title="X").exists()


def test_titles_are_escaped_in_the_graph(owner_client, story):
    services.episode_update(episode=story.ep["fair"], actor=story.owner, title="<script>alert(1)</script>")

    svg = owner_client.get(f"/productions/{story.production.pk}/graph.svg").content.decode()

    assert "<script>" not in svg and "&lt;script&gt;" in svg


# --- Actions and their messages -----------------------------------------------------


def test_adding_episodes_and_choices_from_the_page(owner_client, story):
    pid = story.production.pk
    owner_client.post(f"/productions/{pid}/episodes/new/", {"title": "Open Sea", "duration_seconds": 540})
    sea = Episode.objects.get(title="Open Sea")

    response = owner_client.post(
        f"/productions/{pid}/branches/new/",
        {"source": story.ep["lighthouse"].pk, "target": sea.pk, "label": "Sail away", "is_default": "on"},
        follow=True,
    )

    branch = Branch.objects.get(source=story.ep["lighthouse"], target=sea)
    assert branch.is_default and not Branch.objects.get(pk=story.branch["relight"].pk).is_default
    assert "Added the choice «Sail away»." in messages_of(response)


def test_a_refused_action_comes_back_as_a_clear_message(owner_client, story):
    response = owner_client.post(f"/episodes/{story.ep['ending'].pk}/publish/", {}, follow=True)

    [message] = messages_of(response)
    assert message.startswith("Refused: The start episode «Arrival» cannot reach «The Keeper's Return»")
    assert Episode.objects.get(pk=story.ep["ending"].pk).status == "draft"


def test_a_loop_is_refused_from_the_page(owner_client, story):
    response = owner_client.post(
        f"/productions/{story.production.pk}/branches/new/",
        {"source": story.ep["ending"].pk, "target": story.ep["arrival"].pk, "label": "Again"},
    )

    # The page comes back with the form as it was typed and the problem next to it.
    assert response.status_code == 422
    assert "loop" in " ".join(response.context["branch_form"].errors.as_text().split())
    assert 'value="Again"' in response.content.decode()
    assert not Branch.objects.filter(source=story.ep["ending"]).exists()


def test_a_refused_new_episode_keeps_everything_typed(owner_client, story, media_root):
    fake = SimpleUploadedFile("trailer.html", b"<html></html>", content_type="text/html")
    response = owner_client.post(
        f"/productions/{story.production.pk}/episodes/new/",
        {"title": "The Long Night", "synopsis": "Rain on the pier.", "duration_seconds": 600, "media_file": fake},
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert 'value="The Long Night"' in html and "Rain on the pier." in html
    assert "Use .m3u8, .m4v" in html and "must be chosen again" in html
    assert '<details class="panel" open>' in html  # the form is open, not folded away
    assert not Episode.objects.filter(title="The Long Night").exists()


def test_schedule_reschedule_and_back_to_draft_from_the_page(owner_client, story):
    publish(story, "arrival")
    url = f"/episodes/{story.ep['fair'].pk}/"
    when = (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")

    owner_client.post(url + "publish/", {"release_at": when})
    scheduled = Episode.objects.get(pk=story.ep["fair"].pk)
    owner_client.post(url + "unpublish/")

    assert scheduled.status == "scheduled"
    assert scheduled.release_at.strftime("%Y-%m-%dT%H:%M") == when
    assert Episode.objects.get(pk=story.ep["fair"].pk).status == "draft"


def test_editing_an_episode_with_an_upload(owner_client, story, media_root):
    video = SimpleUploadedFile("arrival.webm", b"\x1a\x45\xdf\xa3" + b"\x00" * 16, content_type="video/webm")

    response = owner_client.post(
        f"/episodes/{story.ep['arrival'].pk}/edit/",
        {"title": "Arrival (final cut)", "synopsis": "", "duration_seconds": 700, "media_file": video},
        follow=True,
    )

    episode = Episode.objects.get(pk=story.ep["arrival"].pk)
    assert episode.title == "Arrival (final cut)" and episode.media_file.name.startswith("episodes/media/arrival")
    assert f'src="{episode.media_file.url}"' in response.content.decode()


def test_an_upload_that_is_not_a_video_is_refused_on_the_page(owner_client, story, media_root):
    fake = SimpleUploadedFile("arrival.html", b"<html></html>", content_type="text/html")

    response = owner_client.post(
        f"/episodes/{story.ep['arrival'].pk}/edit/",
        {"title": "Arrival", "duration_seconds": 600, "media_file": fake},
    )

    assert response.status_code == 422
    assert "Use .m3u8, .m4v" in response.context["form"].errors.as_text()
    assert not Episode.objects.get(pk=story.ep["arrival"].pk).media_file


def test_editing_and_removing_a_choice(owner_client, story):
    stay = story.branch["stay"]

    owner_client.post(f"/branches/{stay.pk}/edit/", {"label": "Stay for the fair", "position": 0})
    owner_client.post(f"/branches/{stay.pk}/delete/")

    assert not Branch.objects.filter(pk=stay.pk).exists()


# --- Episode pages ----------------------------------------------------------------


def test_the_episode_page_plays_its_media_in_a_video_element(client, story):
    services.episode_update(
        episode=story.ep["arrival"], actor=story.owner, media_url="https://cdn.example.org/arrival/master.m3u8"
    )
    publish(story, "arrival", "lighthouse")

    html = client.get(f"/episodes/{story.ep['arrival'].pk}/").content.decode()

    assert re.search(r'<video[^>]*controls[^>]*src="https://cdn.example.org/arrival/master.m3u8"', html)
    assert "Follow the light" in html and "Stay" not in html  # the fair is not released


def test_the_demo_production_page_draws_its_whole_graph(client):
    from screenings.demo import demo_seed

    summary = demo_seed(password="pw-demo-123")
    client.force_login(summary.production.owner)

    html = client.get(f"/productions/{summary.production.pk}/").content.decode()

    assert len(re.findall(r'<g class="episode status-published"', html)) == 6
    assert len(re.findall(r'<g class="branch default"', html)) == 3


# --- In a real browser ------------------------------------------------------------------


def _add_episode(page, title: str, media_url: str = ""):
    form = page.locator("#new-episode")
    if not form.is_visible():
        page.click("text=Add an episode")
    form.get_by_label("Title").fill(title)
    form.get_by_label("Duration (seconds)").fill("600")
    if media_url:
        form.get_by_label("External media URL").fill(media_url)
    form.get_by_role("button", name="Add episode").click()
    page.wait_for_selector(f"text=Added «{title}» as a draft.")


def _add_choice(page, source: str, target: str, label: str, *, default: bool = False):
    form = page.locator("#new-branch")
    form.get_by_label("From episode").select_option(label=f"{source} (draft)")
    form.get_by_label("To episode").select_option(label=f"{target} (draft)")
    form.get_by_label("Label").fill(label)
    if default:
        form.get_by_label("Default (taken on a tie or when nobody votes)").check()
    form.get_by_role("button", name="Add choice").click()


def _publish(page, title: str):
    row = page.locator("table.episodes tr", has_text=title)
    row.get_by_role("button", name="Publish now").click()


@pytest.fixture
def director(db):
    return UserFactory(username="director", password="pass-word-123")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_producer_builds_a_decision_point_publishes_it_and_sees_the_graph(director, chromium, asgi_server, tmp_path):
    page = chromium.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{asgi_server}/accounts/login/?next=/studio/")
    page.get_by_label("Username").fill("director")
    page.get_by_label("Password").fill("pass-word-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/studio/")

    page.locator("#new-production").get_by_label("Title").fill("The Lantern Keeper")
    page.get_by_role("button", name="Create production").click()
    page.wait_for_url("**/productions/*/")
    production_url = page.url
    _add_episode(page, "Arrival", media_url="https://cdn.example.org/arrival.mp4")
    _add_episode(page, "The Lighthouse")
    _add_episode(page, "The Fair")
    page.locator("#production-settings").get_by_label("Start episode").select_option(label="Arrival")
    page.get_by_role("button", name="Save settings").click()
    page.wait_for_selector("text=Production saved.")
    _add_choice(page, "Arrival", "The Lighthouse", "Follow the light", default=True)
    page.wait_for_selector("text=Added the choice «Follow the light».")
    _add_choice(page, "Arrival", "The Fair", "Stay in the village")
    page.wait_for_selector("text=Added the choice «Stay in the village».")

    _add_choice(page, "The Fair", "Arrival", "Start over")  # would loop: refused next to the form, input kept
    assert "loop" in page.locator("#new-branch .errorlist").inner_text()
    assert page.locator("#new-branch input[name=label]").input_value() == "Start over"
    _publish(page, "The Lighthouse")  # before the start: refused, named
    assert "cannot reach «The Lighthouse»" in page.locator(".message.error").inner_text()

    _publish(page, "Arrival")
    page.wait_for_selector("text=«Arrival» is published.")
    _publish(page, "The Lighthouse")
    page.wait_for_selector("text=«The Lighthouse» is published.")

    graph = page.locator("#story-graph svg")
    assert graph.is_visible()
    assert graph.locator("g.episode").count() == 3
    assert graph.locator('g.episode[data-status="published"]').count() == 2
    assert graph.locator('g.episode[data-status="draft"]').count() == 1
    assert graph.locator("g.branch").count() == 2 and graph.locator("g.branch.default").count() == 1
    box = {t: graph.locator("g.episode", has_text=t).bounding_box() for t in ("Arrival", "The Lighthouse", "The Fair")}
    assert box["Arrival"]["x"] < box["The Lighthouse"]["x"] == box["The Fair"]["x"]  # the decision point fans out
    assert box["The Lighthouse"]["y"] != box["The Fair"]["y"]
    page.screenshot(path=str(tmp_path / "production.png"), full_page=True)

    # The public page hears the next release live over its websocket.
    viewer = chromium.new_context().new_page()
    viewer.set_default_timeout(15_000)
    viewer.goto(production_url)
    viewer.wait_for_selector('body[data-live="connected"]')
    assert viewer.locator("#released-episodes li").count() == 2
    _publish(page, "The Fair")
    viewer.wait_for_selector("#live-note:has-text('New episode released: The Fair')")
    assert viewer.locator("#released-episodes li").count() == 3
    wait_until(viewer, "document.querySelectorAll('#story-graph g.episode').length === 3")

    page.click("text=Arrival >> nth=0")
    video = page.locator("video")
    assert video.get_attribute("src") == "https://cdn.example.org/arrival.mp4"
    viewer.context.close()


def test_the_producer_sets_a_vote_cue_on_the_episode_page_and_sees_it_on_the_timeline(owner_client, story):
    url = f"/episodes/{story.ep['arrival'].pk}/"
    html = owner_client.get(url).content.decode()
    assert "The default: the last ten seconds." in html and 'x="983.3"' in html  # 590 of 600 s

    response = owner_client.post(
        f"{url}edit/",
        {"title": "Arrival", "duration_seconds": 600, "vote_at_second": 120, "vote_window_seconds": 15},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    arrival = Episode.objects.get(pk=story.ep["arrival"].pk)
    assert (arrival.vote_at_second, arrival.vote_window_seconds) == (120, 15)
    html = owner_client.get(url).content.decode()
    assert 'x="200.0"' in html and 'width="25.0"' in html  # opens a fifth of the way in, for 15 of 600 s


def test_half_a_vote_cue_is_refused_on_the_page(owner_client, story):
    response = owner_client.post(
        f"/episodes/{story.ep['arrival'].pk}/edit/", {"title": "Arrival", "duration_seconds": 600, "vote_at_second": 5}
    )
    assert response.status_code == 422
    assert "or neither" in response.content.decode()
    assert Episode.objects.get(pk=story.ep["arrival"].pk).vote_at_second is None


@pytest.mark.integration
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_upload_goes_with_a_progress_bar_and_a_refused_one_keeps_the_form(director, chromium, asgi_server, tmp_path):
    page = chromium.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{asgi_server}/accounts/login/?next=/studio/")
    page.get_by_label("Username").fill("director")
    page.get_by_label("Password").fill("pass-word-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/studio/")
    page.locator("#new-production").get_by_label("Title").fill("Uploads")
    page.get_by_role("button", name="Create production").click()
    page.wait_for_url("**/productions/*/")
    sent = []
    page.on("request", lambda r: sent.append(r.resource_type) if r.method == "POST" else None)

    video = tmp_path / "arrival.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200_000)
    form = page.locator("#new-episode")
    if not form.is_visible():
        page.click("text=Add an episode")
    form.get_by_label("Title").fill("Arrival")
    form.get_by_label("Duration (seconds)").fill("600")
    form.locator("input[name=media_file]").set_input_files(str(video))
    form.get_by_role("button", name="Add episode").click()
    page.wait_for_selector("text=Added «Arrival» as a draft.")
    assert sent == ["xhr"]  # sent by the page's script, which draws the progress (not a plain form post)

    wrong = tmp_path / "trailer.html"
    wrong.write_text("<html></html>")
    form = page.locator("#new-episode")
    if not form.is_visible():
        page.click("text=Add an episode")
    form.get_by_label("Title").fill("The Fair")
    form.get_by_label("Duration (seconds)").fill("600")
    form.locator("input[name=media_file]").set_input_files(str(wrong))
    form.get_by_role("button", name="Add episode").click()
    expect(page.locator("#new-episode .errorlist")).to_contain_text("Use .m3u8")
    assert page.locator("#new-episode input[name=title]").input_value() == "The Fair"
