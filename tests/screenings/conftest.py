"""Ticketing fixtures: an organizer's venue and an on-sale half-price screening."""

from decimal import Decimal

import pytest

from tests.factories import ProductionFactory, ScreeningFactory, UserFactory, VenueFactory


@pytest.fixture
def venue(organizer):
    return VenueFactory(owner=organizer, seats=120)


@pytest.fixture
def screening(organizer, venue):
    return ScreeningFactory(
        organizer=organizer, venue=venue, capacity=100, base_price=Decimal("12.99"), currency="EUR", half_price=True
    )


@pytest.fixture
def production(db):
    return ProductionFactory()


@pytest.fixture
def stranger(db):
    return UserFactory(username="stranger")
