"""{{ amount|money:currency }}: a price as its readers write it, in the page's language —
"₩6,000" in Korean, "€6.50" in English, "NT$240" in Traditional Chinese — rounded to the
currency's minor unit (never a float). The API keeps decimal strings plus `currency` (API.md)."""

from babel.numbers import format_currency
from django import template
from django.utils.translation import get_language, to_locale

from config.errors import Invalid
from screenings.pricing import minor_unit, quantize

register = template.Library()


def money_format(amount, currency: str, language: str | None = None) -> str:
    try:
        places = minor_unit(currency)
        value = quantize(amount, currency)
    except Invalid:
        return f"{amount} {currency}"
    locale = to_locale(language or get_language() or "en")
    pattern = None if places else "¤#,##0"  # whole-unit currencies (KRW, JPY) show no decimals anywhere
    return format_currency(value, currency, format=pattern, locale=locale, currency_digits=places > 0)


@register.filter
def money(amount, currency: str) -> str:
    if amount is None:
        return ""
    return money_format(amount, currency)
