from decimal import Decimal

import pytest

from config.errors import Invalid
from screenings.pricing import half_price, quantize


@pytest.mark.parametrize(
    ("base", "currency", "expected"),
    [
        ("12.00", "EUR", "6.00"),
        ("12.99", "EUR", "6.50"),  # 6.495 rounds half-up
        ("0.01", "USD", "0.01"),  # 0.005 rounds half-up to one cent
        ("0.00", "EUR", "0.00"),
        ("12000", "KRW", "6000"),
        ("9001", "KRW", "4501"),  # 4500.5 won rounds half-up to a whole won
        ("1", "JPY", "1"),
    ],
)
def test_half_price_is_exactly_half_rounded_half_up(base, currency, expected):
    result = half_price(Decimal(base), currency)

    assert result == Decimal(expected)
    assert str(result) == expected


def test_quantize_never_uses_floats():
    assert quantize(Decimal("2.675"), "EUR") == Decimal("2.68")  # float rounding would give 2.67


def test_unknown_currency_is_invalid():
    with pytest.raises(Invalid) as err:
        half_price(Decimal("10"), "XXX")
    assert err.value.fields == {"currency": ["Unsupported currency."]}
