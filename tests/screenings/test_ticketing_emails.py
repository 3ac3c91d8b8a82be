import pytest
from django.core import mail

from screenings.emails import order_tickets_email_send
from screenings.services.orders import order_place

pytestmark = pytest.mark.django_db


def test_buyer_gets_the_tickets_once_the_order_commits(screening, django_capture_on_commit_callbacks, settings):
    settings.SITE_URL = "https://tickets.example.org"

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        order, _ = order_place(screening_id=screening.pk, email="ana@example.org", name="Ana", quantity=2)
        assert mail.outbox == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ana@example.org"]
    assert screening.production.title in message.subject
    for ticket in order.tickets.all():
        assert f"https://tickets.example.org/t/{ticket.code}/" in message.body
        assert f"https://tickets.example.org/t/{ticket.code}/" in message.alternatives[0][0]
    assert "€6.50" in message.body and "€13.00" in message.body
    attachments = message.attachments
    assert [a[0] for a in attachments] == ["ticket-1.svg", "ticket-2.svg"]
    assert all(a[2] == "image/svg+xml" and a[1].startswith("<svg") for a in attachments)


def test_a_retried_order_is_not_emailed_again(screening, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order_place(
            screening_id=screening.pk, email="ana@example.org", quantity=1, idempotency_key="retry-key-0123456789"
        )
    with django_capture_on_commit_callbacks(execute=True):
        order_place(
            screening_id=screening.pk, email="ana@example.org", quantity=1, idempotency_key="retry-key-0123456789"
        )

    assert len(mail.outbox) == 1


def test_a_failing_mail_backend_does_not_undo_the_order(screening, settings, caplog):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_PORT = 1  # nothing listens there
    order, _ = order_place(screening_id=screening.pk, email="ana@example.org", quantity=1)

    order_tickets_email_send(order_id=order.pk)

    assert "Could not email the tickets" in caplog.text
    assert order.tickets.count() == 1
