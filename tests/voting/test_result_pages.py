import json

import pytest
from django.template.loader import render_to_string

from screenings.models import Play, Ticket
from tests.factories import PollFactory, VoteFactory
from tests.voting.conftest import tickets_for
from voting.selectors.results import ticket_receipts_list

PASSWORD = "pass-word-123"  # tests.factories.UserFactory's


def build_decided(world, decide_poll):
    """A live poll at Aurora decided 3:1 for the forest, which that screening then played."""
    poll = PollFactory(screening=world.screenings[0], episode=world.start)
    tickets = tickets_for(world.screenings[0], 5, status=Ticket.Status.CHECKED_IN)
    for ticket, branch in zip(tickets, [world.left] * 3 + [world.right]):
        VoteFactory(poll=poll, ticket=ticket, branch=branch)
    decide_poll(poll)
    Play.objects.create(screening=world.screenings[0], episode=world.left.target, started_at=poll.closes_at)
    return poll, tickets[0]


# --- Server-rendered content ----------------------------------------------------------


@pytest.mark.django_db
def test_result_page_shows_counts_rule_digest_and_every_receipt(world, decide_poll, client):
    poll, _ = build_decided(world, decide_poll)

    html = client.get(f"/polls/{poll.id}/result/").content.decode()

    assert poll.decision.digest in html and "most votes" in html.lower() and "majority" in html
    assert all(v.receipt in html for v in poll.votes.all())
    assert f"/polls/{poll.id}/result.json" in html
    # Ballots name their option as the audience saw it, not by id; the recount is explained for a voter.
    for vote in poll.votes.select_related("branch"):
        assert f'<td data-option="{vote.branch_id}">{vote.branch.label}</td>' in html
    assert "Check it yourself" in html and "Your ticket page lists your receipt" in html


@pytest.mark.django_db
def test_an_undecided_poll_has_no_result_yet(world, client):
    poll = PollFactory(screening=world.screenings[0], episode=world.start)

    response = client.get(f"/polls/{poll.id}/result/")

    assert response.status_code == 200 and b"Not decided yet" in response.content
    assert client.get(f"/polls/{poll.id}/result.json").status_code == 404
    assert client.get("/polls/999999/result/").status_code == 404


@pytest.mark.django_db
def test_result_json_download_is_the_api_document(world, decide_poll, client, api_client):
    poll, _ = build_decided(world, decide_poll)

    download = json.loads(client.get(f"/polls/{poll.id}/result.json").content)
    api = api_client.get(f"/api/polls/{poll.id}/result/").json()

    assert {k: v for k, v in download.items() if k != "decision"} == {k: v for k, v in api.items() if k != "decision"}


@pytest.mark.django_db
def test_ticket_page_fragment_links_each_receipt_to_its_result(world, decide_poll):
    poll, ticket = build_decided(world, decide_poll)

    html = render_to_string("voting/_ticket_receipts.html", {"receipts": ticket_receipts_list(ticket=ticket)})

    receipt = poll.votes.get(ticket=ticket).receipt
    assert receipt in html and f"/polls/{poll.id}/result/?receipt={receipt}" in html and "counted" in html


@pytest.mark.django_db
def test_ticket_receipts_page(world, decide_poll, client):
    poll, ticket = build_decided(world, decide_poll)

    response = client.get(f"/t/{ticket.code}/receipts/")

    assert response.status_code == 200 and poll.votes.get(ticket=ticket).receipt in response.content.decode()
    assert client.get("/t/not-a-ticket/receipts/").status_code == 404


# --- Headless Chromium -----------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_result_page_in_chromium_finds_a_voters_receipt(world, decide_poll, live_server, page):
    poll, ticket = build_decided(world, decide_poll)
    receipt = poll.votes.get(ticket=ticket).receipt

    page.goto(f"{live_server.url}/polls/{poll.id}/result/?receipt={receipt}")

    assert page.locator("#digest").inner_text() == poll.decision.digest
    assert page.locator(f'.result-bar[data-option="{world.left.id}"] .count').inner_text() == "3"
    assert page.locator(".result-bar.won").get_attribute("data-option") == str(world.left.id)
    assert page.locator("#receipts tbody tr:visible").count() == 1
    assert page.locator("#receipts tr.found").get_attribute("data-receipt") == receipt
    page.fill("#receipt-search", "")
    assert page.locator("#receipts tbody tr:visible").count() == 4
    page.fill("#receipt-search", "zz-not-a-receipt")
    assert page.locator("#receipt-search-status").inner_text() == "No ballot with this receipt."
    with page.expect_download() as download:
        page.click("#result-json")
    assert json.loads(open(download.value.path()).read())["digest"] == poll.decision.digest


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_analytics_page_in_chromium(world, decide_poll, live_server, page):
    poll, _ = build_decided(world, decide_poll)

    page.goto(f"{live_server.url}/productions/{world.production.id}/analytics/")
    page.fill("#id_username", world.owner.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/productions/{world.production.id}/analytics/")

    card = page.locator(f'.poll-card[data-poll="{poll.id}"]')
    assert card.locator(f'tr[data-branch="{world.left.id}"]').inner_text().split("\t")[1:] == ["3", "75%"]
    assert card.locator(".turnout-ratio").inner_text() == "80%"  # 4 votes / 5 checked in
    assert card.locator("svg.timeline rect.bar").count() >= 1
    path = page.locator(f'.screening-path[data-screening="{world.screenings[0].id}"]')
    assert "Forest (75% of votes)" in path.inner_text() and "Into the forest" in path.inner_text()
    overlay = page.locator(f'#analytics-graph g.branch[data-branch="{world.left.id}"]')
    assert "taken" in overlay.get_attribute("class")
    note = page.locator(f'#analytics-graph g.edge-label[data-branch="{world.left.id}"] text.branch-note')
    assert note.text_content() == "75% · 3/4 votes · chosen"  # drawn over every line, never under one
    right_note = page.locator(f'#analytics-graph g.edge-label[data-branch="{world.right.id}"] text.branch-note')
    assert right_note.text_content() == "25% · 1/4 votes"
    with page.expect_download() as download:
        page.click(f'a[href="/productions/{world.production.id}/export/ballots.csv"]')
    header = open(download.value.path()).readline().strip()
    assert header == "poll,receipt,option,cast_at"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_voter_follows_their_receipt_to_the_result_in_chromium(world, decide_poll, live_server, page):
    poll, ticket = build_decided(world, decide_poll)
    receipt = poll.votes.get(ticket=ticket).receipt

    page.goto(f"{live_server.url}/t/{ticket.code}/receipts/")
    page.click(f'tr[data-poll="{poll.id}"] a')

    page.wait_for_url(f"**/polls/{poll.id}/result/?receipt={receipt}")
    assert page.locator("#receipts tr.found").get_attribute("data-receipt") == receipt
    assert page.locator("#receipt-search-status").inner_text() == "1 matching ballot"
