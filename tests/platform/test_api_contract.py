"""The public contract (shared/API.md), walked end to end through the HTTP API only.

One story, in the document's order: a producer builds and publishes a graph, an
organizer sells half-price tickets, a screening plays and its audience votes,
then a release round is decided and its result recomputed from the JSON alone.
Documented keys must be present (extra keys are allowed: "extend, never break").
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import UserFactory
from voting.services.decisions import poll_decide

pytestmark = pytest.mark.django_db(transaction=True)

DOCUMENTED_CODES = {
    "not_found",
    "invalid",
    "forbidden",
    "not_authenticated",
    "sold_out",
    "already_checked_in",
    "poll_closed",
    "conflict",
    "throttled",
}
MONEY = re.compile(r"^\d+\.\d{2}$")

# Every path of API.md, as drf-spectacular names them in /api/schema/.
DOCUMENTED_PATHS = [
    "/api/auth/token/",
    "/api/productions/",
    "/api/productions/{production_id}/",
    "/api/productions/{production_id}/episodes/",
    "/api/productions/{production_id}/branches/",
    "/api/episodes/{episode_id}/publish/",
    "/api/venues/",
    "/api/screenings/",
    "/api/screenings/{screening_id}/orders/",
    "/api/tickets/{code}/",
    "/api/tickets/{code}/qr.svg",
    "/api/tickets/{code}/check-in/",
    "/api/tickets/{code}/refund/",
    "/api/screenings/{screening_id}/start/",
    "/api/screenings/{screening_id}/polls/",
    "/api/polls/{poll_id}/",
    "/api/productions/{production_id}/rounds/",
    "/api/polls/{poll_id}/votes/",
    "/api/polls/{poll_id}/result/",
    "/api/tickets/{code}/receipts/",
]


def has_keys(body: dict, *keys: str) -> dict:
    missing = set(keys) - set(body)
    assert not missing, f"missing documented keys {missing} in {body}"
    return body


def iso_with_offset(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert parsed.utcoffset() is not None, f"{value!r} has no UTC offset"
    return parsed


def error(response, status: int, code: str) -> dict:
    assert response.status_code == status, (response.status_code, response.content)
    body = response.json()
    assert set(body) == {"error"}, body
    err = has_keys(body["error"], "code", "message")
    assert err["code"] == code and code in DOCUMENTED_CODES, err
    assert isinstance(err["message"], str) and err["message"]
    if "fields" in err:
        assert isinstance(err["fields"], dict)
    return err


def ok(response, status: int = 200):
    assert response.status_code == status, (response.status_code, response.content)
    return response.json()


def token_client(username: str, password: str) -> APIClient:
    body = ok(APIClient().post("/api/auth/token/", {"username": username, "password": password}, format="json"))
    assert isinstance(body["token"], str) and body["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    return client


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def people():
    password = "contract-pass-1"
    for name in ("producer", "organizer", "stranger"):
        UserFactory(username=name, password=password)
    UserFactory(username="root", password=password, is_staff=True, is_superuser=True)
    return {name: token_client(name, password) for name in ("producer", "organizer", "stranger", "root")}


def build_graph(producer: APIClient, anonymous: APIClient) -> dict:
    """Producers: story graph and staged publishing."""
    error(anonymous.post("/api/productions/", {"title": "Nope"}, format="json"), 401, "not_authenticated")
    production = ok(
        producer.post("/api/productions/", {"title": "The Fork", "synopsis": "Choose."}, format="json"), 201
    )
    has_keys(production, "id", "slug", "title", "synopsis", "start_episode", "episodes", "branches")
    assert isinstance(production["id"], int)
    assert (production["start_episode"], production["episodes"], production["branches"]) == (None, [], [])
    pid = production["id"]

    def episode(title: str) -> int:
        body = {"title": title, "synopsis": "", "duration_seconds": 600, "media_url": "https://cdn.example/x.m3u8"}
        created = ok(producer.post(f"/api/productions/{pid}/episodes/", body, format="json"), 201)
        has_keys(created, "id", "title", "status")
        assert isinstance(created["id"], int) and created["status"] == "draft" and created["title"] == title
        return created["id"]

    ep = {name: episode(name) for name in ("start", "left", "right", "up", "down")}
    error(producer.post(f"/api/productions/{pid}/episodes/", {"title": "No length"}, format="json"), 400, "invalid")

    def branch(source: str, target: str, label: str, is_default: bool = False) -> int:
        body = {"source": ep[source], "target": ep[target], "label": label, "is_default": is_default}
        created = ok(producer.post(f"/api/productions/{pid}/branches/", body, format="json"), 201)
        has_keys(created, "id", "source", "target", "label", "is_default")
        assert (created["source"], created["target"], created["label"]) == (ep[source], ep[target], label)
        assert isinstance(created["id"], int) and created["is_default"] is is_default
        return created["id"]

    br = {
        "left": branch("start", "left", "Go left"),
        "right": branch("start", "right", "Go right", is_default=True),
        "up": branch("left", "up", "Climb"),
        "down": branch("left", "down", "Descend"),
    }

    patched = ok(producer.patch(f"/api/productions/{pid}/", {"start_episode": ep["start"]}, format="json"))
    assert patched["start_episode"] == ep["start"]
    graph = ok(producer.get(f"/api/productions/{pid}/"))
    assert {e["id"] for e in graph["episodes"]} == set(ep.values())
    assert {b["id"] for b in graph["branches"]} == set(br.values())

    # An unreachable published episode is refused with `invalid` naming it.
    refused = error(producer.post(f"/api/episodes/{ep['up']}/publish/", {}, format="json"), 400, "invalid")
    assert str(ep["up"]) in refused["message"] + str(refused.get("fields"))

    for name in ("start", "left", "right"):
        published = ok(producer.post(f"/api/episodes/{ep[name]}/publish/", {}, format="json"))
        has_keys(published, "status", "release_at")
        assert published["status"] == "published"
    release_at = timezone.now() + timedelta(days=2)
    scheduled = ok(
        producer.post(f"/api/episodes/{ep['up']}/publish/", {"release_at": release_at.isoformat()}, format="json")
    )
    assert scheduled["status"] == "scheduled"
    assert iso_with_offset(scheduled["release_at"]) == release_at
    error(producer.post("/api/episodes/999999/publish/", {}, format="json"), 404, "not_found")
    return {"production": pid, "episodes": ep, "branches": br}


def sell_tickets(organizer: APIClient, stranger: APIClient, anonymous: APIClient, production: int) -> dict:
    """Organizers: screenings and half-price tickets."""
    venue = ok(organizer.post("/api/venues/", {"name": "Odeon", "city": "Lyon", "seats": 120}, format="json"), 201)
    assert isinstance(venue["id"], int)
    body = {
        "production": production,
        "venue": venue["id"],
        "starts_at": (timezone.now() + timedelta(hours=1)).isoformat(),
        "capacity": 3,
        "base_price": "12.25",
        "currency": "EUR",
        "half_price": True,
    }
    screening = ok(organizer.post("/api/screenings/", body, format="json"), 201)
    has_keys(screening, "id", "status", "ticket_price")
    assert screening["status"] == "scheduled"
    assert screening["ticket_price"] == "6.13"  # half of 12.25, rounded half-up to the cent
    error(organizer.post("/api/screenings/", {**body, "capacity": 0}, format="json"), 400, "invalid")
    sid = screening["id"]

    order = ok(
        anonymous.post(f"/api/screenings/{sid}/orders/", {"email": "a@example.org", "quantity": 2}, format="json"), 201
    )
    has_keys(order, "id", "total", "currency", "tickets")
    assert isinstance(order["id"], int) and order["currency"] == "EUR" and order["total"] == "12.26"
    assert len(order["tickets"]) == 2
    for ticket in order["tickets"]:
        has_keys(ticket, "code", "price")
        assert ticket["price"] == "6.13" and MONEY.match(ticket["price"])
    sold_out = {"email": "b@example.org", "name": "Bea", "quantity": 2}
    error(anonymous.post(f"/api/screenings/{sid}/orders/", sold_out, format="json"), 409, "sold_out")
    error(anonymous.post("/api/screenings/999999/orders/", sold_out, format="json"), 404, "not_found")
    first, second = (t["code"] for t in order["tickets"])

    ticket = ok(anonymous.get(f"/api/tickets/{first}/"))
    assert has_keys(ticket, "code", "screening", "status") and (
        ticket["code"],
        ticket["screening"],
        ticket["status"],
    ) == (
        first,
        sid,
        "valid",
    )
    qr = anonymous.get(f"/api/tickets/{first}/qr.svg")
    assert qr.status_code == 200 and qr["Content-Type"].startswith("image/svg+xml") and b"<svg" in qr.content
    error(anonymous.get("/api/tickets/NO-SUCH-CODE/"), 404, "not_found")

    error(anonymous.post(f"/api/tickets/{first}/check-in/"), 401, "not_authenticated")
    error(stranger.post(f"/api/tickets/{first}/check-in/"), 403, "forbidden")
    checked = ok(organizer.post(f"/api/tickets/{first}/check-in/"))
    assert checked["status"] == "checked_in"
    error(organizer.post(f"/api/tickets/{first}/check-in/"), 409, "already_checked_in")

    refunded = ok(organizer.post(f"/api/tickets/{second}/refund/"))
    assert refunded["status"] == "refunded"
    assert ok(anonymous.get(f"/api/tickets/{second}/"))["status"] == "refunded"
    again = ok(anonymous.post(f"/api/screenings/{sid}/orders/", sold_out, format="json"), 201)  # the seat sells again
    assert len(again["tickets"]) == 2
    error(anonymous.post(f"/api/screenings/{sid}/orders/", {**sold_out, "quantity": 1}, format="json"), 409, "sold_out")
    return {"screening": sid, "voter": first, "refunded": second, "late": again["tickets"][0]["code"]}


def test_api_md_end_to_end(people, api_client, client):
    producer, organizer, stranger = people["producer"], people["organizer"], people["stranger"]
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok"

    story = build_graph(producer, api_client)
    ep, br = story["episodes"], story["branches"]
    error(
        stranger.patch(f"/api/productions/{story['production']}/", {"title": "Mine"}, format="json"), 403, "forbidden"
    )
    sale = sell_tickets(organizer, stranger, api_client, story["production"])
    sid = sale["screening"]

    # Live screening control.
    error(stranger.post(f"/api/screenings/{sid}/start/"), 403, "forbidden")
    started = ok(organizer.post(f"/api/screenings/{sid}/start/"))
    assert started["status"] == "live" and started["now_playing"]["id"] == ep["start"]
    poll = ok(organizer.post(f"/api/screenings/{sid}/polls/", {"duration_seconds": 60}, format="json"), 201)
    has_keys(poll, "id", "status", "options", "opens_at", "closes_at")
    assert poll["status"] == "open" and isinstance(poll["id"], int)
    assert [(o["id"], o["label"]) for o in poll["options"]] == [(br["left"], "Go left"), (br["right"], "Go right")]
    assert iso_with_offset(poll["closes_at"]) - iso_with_offset(poll["opens_at"]) == timedelta(seconds=60)
    error(organizer.post(f"/api/screenings/{sid}/polls/", {"duration_seconds": 60}, format="json"), 409, "conflict")

    vote = ok(
        api_client.post(
            f"/api/polls/{poll['id']}/votes/", {"ticket": sale["voter"], "option": br["left"]}, format="json"
        ),
        201,
    )
    assert has_keys(vote, "poll", "option", "receipt") and (vote["poll"], vote["option"]) == (poll["id"], br["left"])
    assert sale["voter"] not in vote["receipt"]
    refused = api_client.post(
        f"/api/polls/{poll['id']}/votes/", {"ticket": sale["refunded"], "option": br["left"]}, format="json"
    )
    error(refused, 403, "forbidden")
    error(
        api_client.post(f"/api/polls/{poll['id']}/votes/", {"ticket": sale["late"], "option": 999999}, format="json"),
        400,
        "invalid",
    )
    error(
        api_client.post("/api/polls/999999/votes/", {"ticket": sale["late"], "option": br["left"]}, format="json"),
        404,
        "not_found",
    )

    detail = ok(api_client.get(f"/api/polls/{poll['id']}/"))
    has_keys(detail, "id", "status", "options", "counts", "decision")
    assert detail["status"] == "open" and detail["decision"] is None
    assert detail["counts"] == {str(br["left"]): 1, str(br["right"]): 0}
    error(api_client.get(f"/api/polls/{poll['id']}/result/"), 409, "conflict")

    poll_decide(poll_id=poll["id"])  # what the platform does at closes_at (the Celery path is tested elsewhere)
    decided = ok(api_client.get(f"/api/polls/{poll['id']}/"))
    assert decided["status"] == "decided"
    decision = has_keys(decided["decision"], "option", "reason", "decided_at")
    assert (decision["option"], decision["reason"]) == (br["left"], "majority")
    iso_with_offset(decision["decided_at"])
    closed = api_client.post(
        f"/api/polls/{poll['id']}/votes/", {"ticket": sale["late"], "option": br["right"]}, format="json"
    )
    error(closed, 409, "poll_closed")
    assert ok(organizer.get(f"/api/screenings/{sid}/"))["status"] == "live"

    # Release rounds and verifiable results: the screening has now played "left".
    round_body = {"episode": ep["left"], "closes_at": (timezone.now() + timedelta(hours=1)).isoformat()}
    error(
        organizer.post(f"/api/productions/{story['production']}/rounds/", round_body, format="json"), 403, "forbidden"
    )
    rnd = ok(producer.post(f"/api/productions/{story['production']}/rounds/", round_body, format="json"), 201)
    assert rnd["scope"] == "round" and rnd["status"] == "open" and isinstance(rnd["id"], int)
    assert [o["id"] for o in rnd["options"]] == [br["up"], br["down"]]
    for code, option in ((sale["voter"], br["down"]), (sale["late"], br["down"])):
        ok(api_client.post(f"/api/polls/{rnd['id']}/votes/", {"ticket": code, "option": option}, format="json"), 201)
    poll_decide(poll_id=rnd["id"])

    result = ok(api_client.get(f"/api/polls/{rnd['id']}/result/"))
    has_keys(result, "poll", "scope", "options", "counts", "decision", "rule", "ballots", "digest")
    assert (result["poll"], result["scope"]) == (rnd["id"], "round")
    assert result["decision"]["option"] == br["down"] and result["decision"]["reason"] == "majority"
    recount_from_json_alone(result)
    down = ok(api_client.get(f"/api/episodes/{ep['down']}/"))
    assert down["status"] == "published"  # the decision published the winner

    receipts = ok(api_client.get(f"/api/tickets/{sale['voter']}/receipts/"))
    assert [has_keys(r, "poll", "receipt", "option") and (r["poll"], r["option"]) for r in receipts] == [
        (poll["id"], br["left"]),
        (rnd["id"], br["down"]),
    ]
    assert {"receipt": receipts[1]["receipt"], "option": br["down"]} in result["ballots"]
    error(api_client.get("/api/tickets/NO-SUCH-CODE/receipts/"), 404, "not_found")


def recount_from_json_alone(result: dict) -> None:
    """docs/verifiable-results.md: counts per option; SHA-256 over the sorted ballot lines."""
    ballots = result["ballots"]
    for ballot in ballots:
        assert re.fullmatch(r"[0-9a-f]{64}", ballot["receipt"]) and isinstance(ballot["option"], int)
    tally = Counter(b["option"] for b in ballots)
    assert result["counts"] == {str(o["id"]): tally.get(o["id"], 0) for o in result["options"]}
    lines = [f"episodic-ballots:v1:poll:{result['poll']}\n"]
    lines += [f"{b['receipt']} {b['option']}\n" for b in sorted(ballots, key=lambda b: (b["receipt"], b["option"]))]
    assert hashlib.sha256("".join(lines).encode()).hexdigest() == result["digest"]


def test_schema_lists_every_documented_path(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    missing = [path for path in DOCUMENTED_PATHS if path not in schema.json()["paths"]]
    assert missing == []


def test_superuser_may_call_every_endpoint(people, api_client):
    """The root account acts on a production, venue and screening it does not own."""
    producer, organizer, root = people["producer"], people["organizer"], people["root"]
    story = build_graph(producer, api_client)
    pid, ep, br = story["production"], story["episodes"], story["branches"]
    ok(root.get(f"/api/productions/{pid}/"))
    ok(root.patch(f"/api/productions/{pid}/", {"title": "Renamed by root"}, format="json"))
    extra = ok(
        root.post(f"/api/productions/{pid}/episodes/", {"title": "Root's", "duration_seconds": 60}, format="json"), 201
    )
    ok(
        root.post(
            f"/api/productions/{pid}/branches/",
            {"source": ep["right"], "target": extra["id"], "label": "R"},
            format="json",
        ),
        201,
    )
    ok(root.post(f"/api/episodes/{extra['id']}/publish/", {}, format="json"))

    venue = ok(organizer.post("/api/venues/", {"name": "Hall", "seats": 10}, format="json"), 201)
    body = {
        "production": pid,
        "venue": venue["id"],
        "starts_at": timezone.now().isoformat(),
        "capacity": 5,
        "base_price": "9.99",
        "currency": "EUR",
        "half_price": True,
    }
    screening = ok(organizer.post("/api/screenings/", body, format="json"), 201)
    assert screening["ticket_price"] == "5.00"
    ok(root.post("/api/venues/", {"name": "Root hall", "seats": 5}, format="json"), 201)
    ok(root.post("/api/screenings/", body, format="json"), 201)
    order = ok(
        root.post(
            f"/api/screenings/{screening['id']}/orders/", {"email": "r@example.org", "quantity": 2}, format="json"
        ),
        201,
    )
    first, second = (t["code"] for t in order["tickets"])
    ok(root.get(f"/api/tickets/{first}/"))
    assert root.get(f"/api/tickets/{first}/qr.svg").status_code == 200
    ok(root.post(f"/api/tickets/{first}/check-in/"))
    ok(root.post(f"/api/tickets/{second}/refund/"))

    ok(root.post(f"/api/screenings/{screening['id']}/start/"))
    poll = ok(root.post(f"/api/screenings/{screening['id']}/polls/", {"duration_seconds": 30}, format="json"), 201)
    ok(root.post(f"/api/polls/{poll['id']}/votes/", {"ticket": first, "option": br["left"]}, format="json"), 201)
    ok(root.get(f"/api/polls/{poll['id']}/"))
    ok(root.post(f"/api/polls/{poll['id']}/close/"))
    rnd = {"episode": ep["left"], "closes_at": (timezone.now() + timedelta(minutes=5)).isoformat()}
    rnd = ok(root.post(f"/api/productions/{pid}/rounds/", rnd, format="json"), 201)
    poll_decide(poll_id=rnd["id"])
    ok(root.get(f"/api/polls/{rnd['id']}/result/"))
    ok(root.get(f"/api/tickets/{first}/receipts/"))


def test_login_attempts_are_throttled_with_the_documented_shape(api_client):
    UserFactory(username="ana", password="right-pass-1")
    responses = [
        api_client.post("/api/auth/token/", {"username": "ana", "password": "wrong"}, format="json") for _ in range(25)
    ]
    assert {r.status_code for r in responses[: settings.LOGIN_FAILURE_LIMIT - 1]} == {400}  # the limit-th failure locks
    error(responses[-1], 429, "throttled")


def test_schema_documents_money_as_decimal_strings(client):
    components = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["components"]
    schemas = components["schemas"]
    money = [
        ("ScreeningOutput", "base_price"),
        ("ScreeningOutput", "ticket_price"),
        ("OrderOutput", "total"),
        ("OrderTicketOutput", "price"),
        ("TicketOutput", "price"),
    ]
    assert {(name, field): schemas[name]["properties"][field]["type"] for name, field in money} == dict.fromkeys(
        money, "string"
    )
