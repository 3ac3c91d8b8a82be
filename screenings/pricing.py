"""Money: Decimal only, rounded half-up to the currency's minor unit (ISO 4217)."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from config.errors import Invalid

# Minor units of the currencies the platform sells in. Currencies with three
# minor digits (BHD, KWD, ...) are not supported: prices are stored to cents.
MINOR_UNITS = {
    "EUR": 2,
    "USD": 2,
    "GBP": 2,
    "CHF": 2,
    "CAD": 2,
    "AUD": 2,
    "NZD": 2,
    "SEK": 2,
    "NOK": 2,
    "DKK": 2,
    "PLN": 2,
    "CZK": 2,
    "CNY": 2,
    "HKD": 2,
    "TWD": 2,
    "SGD": 2,
    "INR": 2,
    "BRL": 2,
    "MXN": 2,
    "ZAR": 2,
    "KRW": 0,
    "JPY": 0,
    "ISK": 0,
    "VND": 0,
    "CLP": 0,
}


def minor_unit(currency: str) -> int:
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        raise Invalid(
            _("Unsupported currency %(currency)s.") % {"currency": repr(currency)},
            fields={"currency": [_("Unsupported currency.")]},
        ) from None


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round half-up to the currency's minor unit: 6.495 EUR -> 6.50, 4500.5 KRW -> 4501."""
    return Decimal(amount).quantize(Decimal(1).scaleb(-minor_unit(currency)), rounding=ROUND_HALF_UP)


def half_price(base_price: Decimal, currency: str) -> Decimal:
    """Exactly half, rounded half-up: 12.99 -> 6.50, 0.01 -> 0.01, 12.00 -> 6.00."""
    return quantize(Decimal(base_price) / 2, currency)
