"""{{ amount|money:currency }} -> "6.00" EUR / "6000" KRW: the currency's minor unit, never a float."""

from django import template

from config.errors import Invalid
from screenings.pricing import quantize

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    if amount is None:
        return ""
    try:
        return f"{quantize(amount, currency)} {currency}"
    except Invalid:
        return f"{amount} {currency}"
