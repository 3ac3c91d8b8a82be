from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import ProductionFactory, VoteFactory
from tests.voting.conftest import tickets_for
from voting.models import Poll

PASSWORD = "pass-word-123"  # tests.factories.UserFactory's


def _local(dt) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M")


@pytest.mark.django_db
def test_the_form_offers_only_decision_points(world, client):
    client.force_login(world.owner)

    html = client.get(f"/productions/{world.production.id}/rounds/new/").content.decode()

    assert f'<option value="{world.start.id}"' in html and "Into the forest</option>" not in html


@pytest.mark.django_db
def test_the_owner_opens_a_round_from_the_form(world, client):
    client.force_login(world.owner)
    closes = timezone.now() + timedelta(days=1)

    response = client.post(
        f"/productions/{world.production.id}/rounds/new/",
        {"episode": world.start.id, "closes_at": _local(closes), "hide_results": "on"},
    )

    assert response.status_code == 302 and response["Location"] == f"/productions/{world.production.id}/analytics/"
    poll = Poll.objects.get()
    assert (poll.scope, poll.episode_id, poll.hide_results, poll.release_at) == ("round", world.start.id, True, None)


@pytest.mark.django_db
def test_form_errors_are_shown_and_nothing_is_stored(world, client):
    client.force_login(world.owner)

    past = _local(timezone.now() - timedelta(hours=1))

    url = f"/productions/{world.production.id}/rounds/new/"

    response = client.post(url, {"episode": world.start.id, "closes_at": past})

    assert response.status_code == 200 and b"Must be in the future" in response.content
    assert not Poll.objects.exists()


@pytest.mark.django_db
def test_only_the_owner_gets_the_form(world, client):
    url = f"/productions/{world.production.id}/rounds/new/"
    assert client.get(url).status_code == 302
    client.force_login(ProductionFactory().owner)
    assert client.get(url).status_code == 403
    assert client.post(url, {"episode": world.start.id}).status_code == 403


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_owner_opens_a_round_and_watches_venue_counts_in_chromium(world, live_server, page):
    page.goto(f"{live_server.url}/productions/{world.production.id}/rounds/new/")
    page.fill("#id_username", world.owner.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.fill("#id_closes_at", _local(timezone.now() + timedelta(days=2)))
    # No decision point is chosen for the producer: the form does not go until one is.
    assert page.locator("#id_episode").input_value() == ""
    assert page.evaluate("document.getElementById('id_episode').validity.valid") is False
    page.select_option("#id_episode", str(world.start.id))
    page.click("#round-open-form button[type=submit]")
    page.wait_for_url(f"**/productions/{world.production.id}/analytics/")
    poll = Poll.objects.get(scope="round")
    assert "Release round" in page.locator(".message.success").inner_text()

    VoteFactory(poll=poll, ticket=tickets_for(world.screenings[2], 1)[0], branch=world.right)

    row = page.locator(f'.poll-card[data-poll="{poll.id}"] table.venue-counts tr[data-venue="Busan Hall"]')
    row.wait_for(timeout=10_000)  # the page refreshes its counts every 5 s
    assert row.locator(f'td[data-option="{world.right.id}"]').inner_text() == "1"


@pytest.mark.django_db
def test_the_production_page_offers_the_owner_the_round_form_and_analytics(world, client):
    client.force_login(world.owner)

    html = client.get(f"/productions/{world.production.id}/").content.decode()

    assert 'id="round-open-form"' in html and f'<option value="{world.start.id}"' in html
    assert f'href="/productions/{world.production.id}/analytics/"' in html
    assert 'name="csrfmiddlewaretoken"' in html[html.index('id="round-open-form"') :]


@pytest.mark.django_db
def test_the_ticket_page_links_to_live_voting_and_lists_the_holders_receipts(world, client, decide_poll):
    poll = Poll.objects.create(
        scope="round",
        episode=world.start,
        opens_at=timezone.now() - timedelta(hours=1),
        closes_at=timezone.now() + timedelta(hours=1),
    )
    ticket = tickets_for(world.screenings[0], 1)[0]
    vote = VoteFactory(poll=poll, ticket=ticket, branch=world.right)
    decide_poll(poll)

    html = client.get(f"/t/{ticket.code}/").content.decode()

    assert f'href="/t/{ticket.code}/live/"' in html
    assert f'<tr data-poll="{poll.id}">' in html and vote.receipt in html and "counted" in html
    assert ticket.secret not in html
