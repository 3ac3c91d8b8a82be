"""Organizer pages (box office, tickets, door check-in) and public pages (buy, ticket)."""

import re
from datetime import UTC, datetime

import pytest

from screenings.models import Order, Ticket
from screenings.services.orders import order_place, ticket_check_in
from tests.factories import ScreeningFactory, UserFactory

pytestmark = pytest.mark.django_db


def buy(screening, quantity=1, email="ana@example.org", **kwargs):
    order, _ = order_place(screening_id=screening.pk, email=email, quantity=quantity, **kwargs)
    return order


# --- Box office -------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/box-office/", "/box-office/screenings/{id}/tickets/", "/box-office/screenings/{id}/check-in/"]
)
def test_box_office_pages_need_login(client, screening, path):
    response = client.get(path.format(id=screening.pk))

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("path", ["/box-office/screenings/{id}/tickets/", "/box-office/screenings/{id}/check-in/"])
def test_screening_pages_need_ownership(client, screening, stranger, superuser, organizer, path):
    url = path.format(id=screening.pk)
    client.force_login(stranger)
    assert client.get(url).status_code == 403
    client.force_login(superuser)
    assert client.get(url).status_code == 200
    client.force_login(organizer)
    assert client.get(url).status_code == 200


def test_box_office_lists_my_screenings_with_sales(
    client, organizer, screening, stranger, django_assert_max_num_queries
):
    buy(screening, quantity=3)
    refunded = buy(screening, quantity=1, email="gone@example.org").tickets.get()
    refunded.status, refunded.refunded_at = Ticket.Status.REFUNDED, refunded.created_at
    refunded.save()
    ScreeningFactory(organizer=stranger, production__title="Someone else's film")
    for _ in range(5):  # more screenings must not mean more queries
        ScreeningFactory(organizer=organizer)
    client.force_login(organizer)

    with django_assert_max_num_queries(6):
        page = client.get("/box-office/").content.decode()

    row = re.search(rf'<tr data-screening="{screening.pk}">.*?</tr>', page, re.S).group(0)
    assert "3 / 100" in row  # sold: the refunded ticket does not count
    assert '<td class="seats-left">97</td>' in row
    assert "€19.50" in row  # revenue: 3 x 6.50
    assert "Someone else's film" not in page


def test_ticket_list_search(client, organizer, screening):
    buy(screening, quantity=2, email="ana@example.org")
    other = buy(screening, email="bo@example.org", name="Bo Kim").tickets.get()
    client.force_login(organizer)
    url = f"/box-office/screenings/{screening.pk}/tickets/"

    assert client.get(url).content.decode().count("<tr data-code=") == 3
    by_name = client.get(url, {"q": "kim"}).content.decode()
    assert by_name.count("<tr data-code=") == 1 and other.code in by_name
    assert client.get(url, {"q": other.code[:12]}).content.decode().count("<tr data-code=") == 1
    assert "No ticket matches" in client.get(url, {"q": "nobody"}).content.decode()


def test_refund_button_refunds_the_ticket(client, organizer, screening, stranger):
    ticket = buy(screening).tickets.get()
    url = f"/box-office/screenings/{screening.pk}/refund/"

    client.force_login(stranger)
    assert client.post(url, {"code": ticket.code}).status_code == 403
    client.force_login(organizer)
    response = client.post(url, {"code": ticket.code}, follow=True)

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.REFUNDED
    assert "refunded" in response.content.decode()


def test_cancel_button_refunds_all(client, organizer, screening):
    buy(screening, quantity=4)
    client.force_login(organizer)

    response = client.post(f"/box-office/screenings/{screening.pk}/cancel/", follow=True)

    assert "4 tickets refunded" in response.content.decode()
    assert set(screening.tickets.values_list("status", flat=True)) == {Ticket.Status.REFUNDED}


# --- Public pages -------------------------------------------------------------------


def test_screening_page_shows_the_half_price_and_venue_time(client, screening, venue):
    venue.time_zone = "Asia/Seoul"
    venue.save()
    screening.starts_at = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)
    screening.save()

    page = client.get(f"/screenings/{screening.pk}/").content.decode()

    assert "€6.50" in page and "€12.99" in page
    assert "100</span> seats left" in page
    assert "Tuesday 1 December 2026, 20:00 (Asia/Seoul)" in page


def test_buying_twice_with_one_form_buys_once(client, screening):
    form = client.get(f"/screenings/{screening.pk}/").content.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', form).group(1)
    data = {"email": "ana@example.org", "quantity": 2, "idempotency_key": key}

    first = client.post(f"/screenings/{screening.pk}/", data)
    again = client.post(f"/screenings/{screening.pk}/", data)

    assert first.status_code == again.status_code == 201
    assert Order.objects.count() == 1 and screening.tickets.count() == 2
    codes = re.findall(r'href="/t/([A-Za-z0-9_-]+)/"', first.content.decode())
    assert sorted(codes) == sorted(screening.tickets.values_list("code", flat=True))


def test_sold_out_page_says_so(client, organizer):
    screening = ScreeningFactory(organizer=organizer, capacity=1)

    response = client.post(
        f"/screenings/{screening.pk}/", {"email": "a@example.org", "quantity": 2, "idempotency_key": "x" * 22}
    )

    assert response.status_code == 409
    assert "Only 1 seats left" in response.content.decode()
    assert not Order.objects.exists()


def test_bad_form_is_400_with_errors(client, screening):
    response = client.post(
        f"/screenings/{screening.pk}/", {"email": "nope", "quantity": 50, "idempotency_key": "x" * 22}
    )

    assert response.status_code == 400
    assert not Order.objects.exists()


def test_ticket_page_shows_the_qr_and_status(client, screening, organizer):
    ticket = buy(screening).tickets.get()

    page = client.get(f"/t/{ticket.code}/").content.decode()
    assert "<svg" in page and "Valid" in page and screening.production.title in page
    assert f'href="/t/{ticket.code}/live/"' in page  # the holder's way to the voting page
    ticket_check_in(code=ticket.code, user=organizer)
    assert "Checked In" in client.get(f"/t/{ticket.code}/").content.decode()
    assert client.get("/t/unknown-code/").status_code == 404


# --- In headless Chromium: buy -> ticket -> door check-in ---------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_buy_then_ticket_then_check_in_in_a_browser(asgi_server, chromium):
    organizer = UserFactory(username="door-organizer", password="pass-word-123")
    screening = ScreeningFactory(organizer=organizer, capacity=10, production__title="The Lantern Keeper")
    base = asgi_server
    page = chromium.new_page()
    page.set_default_timeout(15_000)

    # The audience buys two tickets without an account.
    page.goto(f"{base}/screenings/{screening.pk}/")
    page.fill("input[name=email]", "ana@example.org")
    page.fill("input[name=quantity]", "2")
    page.click("button:has-text('Buy tickets')")
    page.wait_for_selector("h1:has-text('Your tickets')")
    links = page.locator("a.ticket-link")
    assert links.count() == 2
    assert page.locator(".order-tickets svg").count() == 2
    links.first.click()
    page.wait_for_selector(".qr svg")
    assert page.text_content("#ticket-status").strip() == "Valid"
    code = page.text_content("#ticket-code").strip()
    ticket_url = page.url
    other = Ticket.objects.exclude(code=code).get(screening=screening)

    # The door staff log in and scan: first time admitted, second time refused with the time.
    door = chromium.new_context().new_page()
    door.set_default_timeout(15_000)
    door.goto(f"{base}/accounts/login/?next=/box-office/screenings/{screening.pk}/check-in/")
    door.fill("input[name=username]", "door-organizer")
    door.fill("input[name=password]", "pass-word-123")
    door.click("button[type=submit], input[type=submit]")
    door.wait_for_selector("h1:has-text('Door check-in')")
    door.wait_for_load_state()  # deferred scripts have run: Enter is the page's check-in, not a form post
    assert door.is_visible("#camera-note") or door.is_visible("#start-camera")  # manual entry works either way

    door.fill("#code", ticket_url)  # a scanned QR gives the ticket link; the page takes the code from it
    door.press("#code", "Enter")
    door.wait_for_selector("#result.ok")
    assert "Admitted" in door.text_content("#result")
    assert door.text_content("#admitted") == "1"
    # Paid at the door: the payment step holds the door until the staff confirm the money.
    assert door.is_visible("#collect") and "for all 2 tickets of this order" in door.text_content("#collect-detail")
    door.click("#collected")

    door.fill("#code", code)
    door.press("#code", "Enter")
    door.wait_for_selector("#result.warn")
    assert "Already checked in" in door.text_content("#result")
    assert "First scanned at" in door.text_content("#result")

    door.fill("#code", "no-such-ticket")
    door.press("#code", "Enter")
    door.wait_for_selector("#result.bad:has-text('Unknown ticket')")

    # A refunded ticket is refused at the door.
    door.goto(f"{base}/box-office/screenings/{screening.pk}/tickets/")
    door.once("dialog", lambda dialog: dialog.accept())
    door.click(f"tr[data-code='{other.code}'] button:has-text('Refund')")
    door.wait_for_selector(f"tr[data-code='{other.code}'] .badge.status-refunded")
    door.goto(f"{base}/box-office/screenings/{screening.pk}/check-in/")
    door.fill("#code", other.code)
    door.press("#code", "Enter")
    door.wait_for_selector("#result.bad:has-text('Refunded ticket')")
    door.context.close()

    page.reload()
    assert page.text_content("#ticket-status").strip() == "Checked In"
    assert Ticket.objects.get(code=code).status == Ticket.Status.CHECKED_IN


def test_cancelled_screening_page_sells_nothing(client, organizer):
    screening = ScreeningFactory(organizer=organizer, status="cancelled")

    page = client.get(f"/screenings/{screening.pk}/").content.decode()

    assert "Tickets are not on sale" in page and "Buy tickets" not in page


def test_refunded_ticket_page_hides_the_qr(client, screening, organizer):
    ticket = buy(screening).tickets.get()
    client.force_login(organizer)
    client.post(f"/box-office/screenings/{screening.pk}/refund/", {"code": ticket.code})
    client.logout()

    page = client.get(f"/t/{ticket.code}/").content.decode()

    assert "Refunded" in page and "no longer admits or votes" in page
    assert "<svg" not in page
    assert "/live/" not in page
