"""Payment providers: how an order is paid for and refunded.

A provider decides an order's payment status at each step. The built-in
`at_door` provider needs no outside service: nothing is charged online, the
door staff collect the ticket price when the first ticket of the order is
checked in, and a refund before that returns nothing because nothing was
taken. A card provider would implement the same three calls against its API.
"""

from __future__ import annotations

from decimal import Decimal

from screenings.models import Order


class PaymentProvider:
    name: str

    def order_placed(self, *, order: Order) -> str:
        """The order's payment status right after it is placed."""
        raise NotImplementedError

    def ticket_admitted(self, *, order: Order) -> str:
        """The order's payment status once one of its tickets is checked in."""
        raise NotImplementedError

    def tickets_refunded(self, *, order: Order, amount: Decimal, all_refunded: bool) -> str:
        """Give `amount` back; return the order's payment status afterwards."""
        raise NotImplementedError


class AtDoorProvider(PaymentProvider):
    """Pay at the door: pending until admitted, then paid (the staff took the money)."""

    name = "at_door"

    def order_placed(self, *, order: Order) -> str:
        return Order.PaymentStatus.PENDING

    def ticket_admitted(self, *, order: Order) -> str:
        return Order.PaymentStatus.PAID if order.payment_status == Order.PaymentStatus.PENDING else order.payment_status

    def tickets_refunded(self, *, order: Order, amount: Decimal, all_refunded: bool) -> str:
        # A paid order is paid back at the box office desk; a pending one owes nothing.
        return Order.PaymentStatus.REFUNDED if all_refunded else order.payment_status


PROVIDERS: dict[str, PaymentProvider] = {provider.name: provider for provider in [AtDoorProvider()]}
DEFAULT_PROVIDER = AtDoorProvider.name


def payment_provider_get(name: str) -> PaymentProvider:
    return PROVIDERS[name]
