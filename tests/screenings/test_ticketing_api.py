"""The ticketing calls of shared/API.md, exactly as documented, and the permission matrix."""

from decimal import Decimal

import pytest

from screenings.models import Order, Ticket
from tests.factories import ScreeningFactory, VenueFactory

pytestmark = pytest.mark.django_db


def order(api_client, screening, quantity=1, headers=None, **body):
    body = {"email": "ana@example.org", "quantity": quantity, **body}
    return api_client.post(f"/api/screenings/{screening.pk}/orders/", body, format="json", headers=headers or {})


def test_documented_flow_venue_screening_order_ticket(client_for, organizer, production, api_client):
    api = client_for(organizer)

    venue = api.post("/api/venues/", {"name": "Paradiso", "city": "Seoul", "seats": 120}, format="json")
    assert venue.status_code == 201
    assert venue.json()["id"] and venue.json()["time_zone"] == "UTC"

    created = api.post(
        "/api/screenings/",
        {
            "production": production.pk,
            "venue": venue.json()["id"],
            "starts_at": "2026-12-01T20:00:00+09:00",
            "capacity": 100,
            "base_price": "12.99",
            "currency": "EUR",
            "half_price": True,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["ticket_price"], body["base_price"]) == ("scheduled", "6.50", "12.99")
    assert body["starts_at"] == "2026-12-01T11:00:00Z"

    bought = api_client.post(
        f"/api/screenings/{body['id']}/orders/", {"email": "a@example.org", "quantity": 2}, format="json"
    )
    assert bought.status_code == 201, bought.json()
    order_body = bought.json()
    assert {"id", "total", "currency", "tickets"} <= set(order_body)
    assert (order_body["total"], order_body["currency"]) == ("13.00", "EUR")
    assert [t["price"] for t in order_body["tickets"]] == ["6.50", "6.50"]

    code = order_body["tickets"][0]["code"]
    ticket = api_client.get(f"/api/tickets/{code}/").json()
    assert (ticket["code"], ticket["screening"], ticket["status"]) == (code, body["id"], "valid")

    qr = api_client.get(f"/api/tickets/{code}/qr.svg")
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    assert qr.content.startswith(b"<svg")


def test_online_screening_in_won_prices_in_whole_won(client_for, organizer, production):
    created = client_for(organizer).post(
        "/api/screenings/",
        {
            "production": production.pk,
            "starts_at": "2026-12-01T20:00:00+09:00",
            "capacity": 1000,
            "base_price": "9001",
            "currency": "KRW",
            "half_price": True,
        },
        format="json",
    )

    assert created.status_code == 201, created.json()
    assert (created.json()["venue"], created.json()["ticket_price"], created.json()["base_price"]) == (
        None,
        "4501",
        "9001",
    )


def test_sold_out_is_409_with_nothing_written(api_client, organizer):
    screening = ScreeningFactory(organizer=organizer, capacity=2)
    order(api_client, screening, quantity=1)

    refused = order(api_client, screening, quantity=2, email="late@example.org")

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "sold_out"
    assert refused.json()["error"]["seats_left"] == 1
    assert not Order.objects.filter(email="late@example.org").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": 21}, "quantity"),
        ({"email": "nope"}, "email"),
        ({"quantity": "many"}, "quantity"),
    ],
)
def test_bad_orders_are_invalid_with_the_field_named(api_client, screening, body, field):
    response = order(api_client, screening, **body)

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not screening.tickets.exists()


def test_order_for_unknown_screening_is_not_found(api_client):
    response = api_client.post(
        "/api/screenings/999999/orders/", {"email": "a@example.org", "quantity": 1}, format="json"
    )

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_retry_with_same_idempotency_key_buys_once(api_client, screening):
    first = order(api_client, screening, quantity=2, headers={"Idempotency-Key": "retry-key-0123456789"})
    again = order(api_client, screening, quantity=2, headers={"Idempotency-Key": "retry-key-0123456789"})
    by_body = order(api_client, screening, quantity=2, idempotency_key="retry-key-0123456789")

    assert first.status_code == again.status_code == by_body.status_code == 201
    assert first.json() == again.json() == by_body.json()
    assert again["Idempotent-Replayed"] == "true"
    assert screening.tickets.count() == 2


def test_same_key_different_request_is_conflict(api_client, screening):
    order(api_client, screening, quantity=2, headers={"Idempotency-Key": "conflict-key-0123456789"})

    response = order(api_client, screening, quantity=1, headers={"Idempotency-Key": "conflict-key-0123456789"})

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    assert screening.tickets.count() == 2


def test_check_in_then_again_is_already_checked_in(client_for, organizer, api_client, screening):
    code = order(api_client, screening).json()["tickets"][0]["code"]
    api = client_for(organizer)

    first = api.post(f"/api/tickets/{code}/check-in/")
    second = api.post(f"/api/tickets/{code}/check-in/")

    assert first.status_code == 200
    assert first.json()["status"] == "checked_in"
    assert second.status_code == 409
    error = second.json()["error"]
    assert error["code"] == "already_checked_in"
    assert error["checked_in_at"] == first.json()["checked_in_at"].replace("Z", "+00:00")
    assert api_client.get(f"/api/tickets/{code}/").json()["status"] == "checked_in"


def test_refund_frees_the_seat(client_for, organizer, api_client):
    screening = ScreeningFactory(organizer=organizer, capacity=1)
    code = order(api_client, screening).json()["tickets"][0]["code"]
    assert order(api_client, screening, email="b@example.org").status_code == 409

    refunded = client_for(organizer).post(f"/api/tickets/{code}/refund/")

    assert refunded.status_code == 200 and refunded.json()["status"] == "refunded"
    assert order(api_client, screening, email="b@example.org").status_code == 201
    assert client_for(organizer).post(f"/api/tickets/{code}/check-in/").status_code == 409


def test_cancel_refunds_all(client_for, organizer, api_client, screening):
    order(api_client, screening, quantity=3)

    response = client_for(organizer).post(f"/api/screenings/{screening.pk}/cancel/")

    assert response.status_code == 200
    assert response.json()["refunded"] == 3
    assert response.json()["screening"]["status"] == "cancelled"
    assert response.json()["screening"]["seats_sold"] == 0
    assert set(Ticket.objects.values_list("status", flat=True)) == {"refunded"}
    assert order(api_client, screening).status_code == 409


def test_on_sale_keeps_selling(client_for, organizer, api_client):
    screening = ScreeningFactory(organizer=organizer, status="scheduled")

    response = client_for(organizer).post(f"/api/screenings/{screening.pk}/on-sale/")

    assert response.status_code == 200 and response.json()["status"] == "on_sale"
    assert order(api_client, screening).status_code == 201


def test_screening_detail_shows_seats(api_client, screening):
    order(api_client, screening, quantity=4)

    body = api_client.get(f"/api/screenings/{screening.pk}/").json()

    assert (body["seats_sold"], body["seats_left"], body["ticket_price"]) == (4, 96, "6.50")


def test_patch_screening_and_venue(client_for, organizer, screening, venue):
    api = client_for(organizer)

    screening_response = api.patch(
        f"/api/screenings/{screening.pk}/", {"capacity": 120, "base_price": "10.00"}, format="json"
    )
    venue_response = api.patch(f"/api/venues/{venue.pk}/", {"city": "Busan"}, format="json")
    too_big = api.patch(f"/api/screenings/{screening.pk}/", {"capacity": 121}, format="json")

    assert screening_response.status_code == 200
    assert (screening_response.json()["capacity"], screening_response.json()["ticket_price"]) == (120, "5.00")
    assert venue_response.json()["city"] == "Busan"
    assert too_big.status_code == 400 and "capacity" in too_big.json()["error"]["fields"]


def test_ticket_list_searches_by_email_and_code(client_for, organizer, api_client, screening):
    order(api_client, screening, quantity=2, email="ana@example.org")
    code = order(api_client, screening, email="bo@example.org").json()["tickets"][0]["code"]
    api = client_for(organizer)

    by_email = api.get(f"/api/screenings/{screening.pk}/tickets/", {"q": "ana@"}).json()
    by_code = api.get(f"/api/screenings/{screening.pk}/tickets/", {"q": code[:10]}).json()

    assert by_email["count"] == 2
    assert [t["code"] for t in by_code["results"]] == [code]


def test_unknown_ticket_is_not_found(api_client, client_for, organizer):
    assert api_client.get("/api/tickets/no-such-code/").status_code == 404
    assert api_client.get("/api/tickets/no-such-code/qr.svg").status_code == 404
    assert client_for(organizer).post("/api/tickets/no-such-code/check-in/").json()["error"]["code"] == "not_found"


# --- Permission matrix ----------------------------------------------------------

ANON, STRANGER, OWNER, SUPER = "anonymous", "stranger", "owner", "superuser"


@pytest.fixture
def callers(api_client, client_for, organizer, stranger, superuser):
    return {
        ANON: api_client,
        STRANGER: client_for(stranger),
        OWNER: client_for(organizer),
        SUPER: client_for(superuser),
    }


@pytest.mark.parametrize(("caller", "expected"), [(ANON, 401), (STRANGER, 403), (OWNER, 200), (SUPER, 200)])
@pytest.mark.parametrize("action", ["check-in", "refund"])
def test_ticket_actions_need_the_organizer(callers, screening, caller, expected, action):
    code = order(callers[ANON], screening).json()["tickets"][0]["code"]

    response = callers[caller].post(f"/api/tickets/{code}/{action}/")

    assert response.status_code == expected
    if expected >= 400:
        assert response.json()["error"]["code"] == {401: "not_authenticated", 403: "forbidden"}[expected]
        assert Ticket.objects.get(code=code).status == "valid"


@pytest.mark.parametrize(("caller", "expected"), [(ANON, 401), (STRANGER, 403), (OWNER, 200), (SUPER, 200)])
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("post", "cancel/", None), ("post", "on-sale/", None), ("get", "tickets/", None), ("patch", "", {"capacity": 90})],
)
def test_screening_management_needs_the_organizer(callers, organizer, caller, expected, method, path, body):
    screening = ScreeningFactory(organizer=organizer, status="scheduled")

    response = getattr(callers[caller], method)(f"/api/screenings/{screening.pk}/{path}", body, format="json")

    assert response.status_code == expected


@pytest.mark.parametrize(("caller", "expected"), [(ANON, 401), (STRANGER, 403), (OWNER, 200), (SUPER, 200)])
def test_venue_needs_its_owner(callers, venue, caller, expected):
    assert callers[caller].get(f"/api/venues/{venue.pk}/").status_code == expected
    assert callers[caller].patch(f"/api/venues/{venue.pk}/", {"name": "X"}, format="json").status_code == expected


@pytest.mark.parametrize(("caller", "expected"), [(ANON, 201), (STRANGER, 201), (OWNER, 201)])
def test_anyone_buys_and_reads_a_ticket(callers, screening, caller, expected):
    response = order(callers[caller], screening)

    assert response.status_code == expected
    assert callers[caller].get(f"/api/tickets/{response.json()['tickets'][0]['code']}/").status_code == 200


def test_creating_needs_an_account_and_own_venue(callers, production, stranger):
    body = {
        "production": production.pk,
        "venue": VenueFactory(owner=stranger).pk,
        "starts_at": "2026-12-01T20:00Z",
        "capacity": 10,
        "base_price": "8.00",
        "currency": "EUR",
        "half_price": False,
    }

    assert callers[ANON].post("/api/venues/", {"name": "V", "seats": 5}, format="json").status_code == 401
    assert callers[ANON].post("/api/screenings/", body, format="json").status_code == 401
    assert callers[OWNER].post("/api/screenings/", body, format="json").status_code == 403
    assert callers[STRANGER].post("/api/screenings/", body, format="json").status_code == 201


def test_venue_list_shows_only_mine(callers, venue, stranger):
    VenueFactory(owner=stranger)

    assert [v["id"] for v in callers[OWNER].get("/api/venues/").json()["results"]] == [venue.pk]


def test_schema_documents_the_ticketing_calls(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]

    for path in [
        "/api/venues/",
        "/api/screenings/",
        "/api/screenings/{screening_id}/orders/",
        "/api/tickets/{code}/",
        "/api/tickets/{code}/qr.svg",
        "/api/tickets/{code}/check-in/",
        "/api/tickets/{code}/refund/",
        "/api/screenings/{screening_id}/cancel/",
    ]:
        assert path in paths
    assert "201" in paths["/api/screenings/{screening_id}/orders/"]["post"]["responses"]


def test_money_never_passes_through_floats(api_client, organizer):
    screening = ScreeningFactory(organizer=organizer, base_price=Decimal("0.01"), currency="USD", half_price=True)

    assert order(api_client, screening, quantity=3).json()["total"] == "0.03"


def test_door_refuses_another_screenings_ticket(client_for, organizer, api_client, screening):
    other = ScreeningFactory(organizer=organizer)
    code = order(api_client, other).json()["tickets"][0]["code"]

    response = client_for(organizer).post(f"/api/tickets/{code}/check-in/", {"screening": screening.pk}, format="json")

    assert response.status_code == 409
    assert response.json()["error"]["ticket_screening"] == other.pk
    assert Ticket.objects.get(code=code).status == "valid"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/screenings/99999999999999999999999/orders/", {"email": "a@example.org", "quantity": 1}),
        ("get", "/api/screenings/99999999999999999999999/", None),
        ("get", "/api/tickets/" + "x" * 5000 + "/", None),
        ("post", "/api/screenings/{id}/orders/", {"email": "a@example.org", "quantity": 10**30}),
        (
            "post",
            "/api/screenings/{id}/orders/",
            {"email": "a@example.org", "quantity": 1, "idempotency_key": "k" * 81},
        ),
        ("post", "/api/screenings/{id}/orders/", ["not", "an", "object"]),
    ],
)
def test_bad_input_is_a_4xx_never_a_500(api_client, screening, method, path, body):
    response = getattr(api_client, method)(path.format(id=screening.pk), body, format="json")

    assert 400 <= response.status_code < 500
    assert response.json()["error"]["code"] in {"invalid", "not_found"}
    assert not screening.tickets.exists()


def test_too_long_idempotency_header_is_invalid(api_client, screening):
    response = order(api_client, screening, headers={"Idempotency-Key": "k" * 81})

    assert response.status_code == 400
    assert "idempotency_key" in response.json()["error"]["fields"]


def test_hot_paths_keep_their_query_counts(api_client, screening, django_assert_max_num_queries):
    with django_assert_max_num_queries(9):  # lock, key, count, order, tickets, status, reply
        code = order(api_client, screening, quantity=20).json()["tickets"][0]["code"]
    with django_assert_max_num_queries(1):
        assert api_client.get(f"/api/tickets/{code}/").status_code == 200
    with django_assert_max_num_queries(2):
        assert api_client.get("/api/screenings/").status_code == 200


@pytest.mark.parametrize("path", ["/api/tickets/{}/", "/api/tickets/{}/qr.svg", "/api/tickets/{}/receipts/"])
@pytest.mark.parametrize("code", ["%00", "bad%00code", "a" * 65, "%C3%A9", "%27%3B%20drop"])
def test_malformed_ticket_codes_are_not_found_not_500(api_client, path, code):
    """A NUL in a query is a DataError on PostgreSQL: malformed codes never reach the database."""
    response = api_client.get(path.format(code))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("action", ["check-in", "refund"])
def test_malformed_ticket_code_actions_are_not_found(client_for, organizer, action):
    response = client_for(organizer).post(f"/api/tickets/bad%00code/{action}/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_ticket_search_with_a_nul_is_not_500(client_for, organizer, screening):
    response = client_for(organizer).get(f"/api/screenings/{screening.id}/tickets/", {"q": "a\x00b"})

    assert response.status_code == 200
