"""Currencies as people type prices in them: ISO 4217 codes in use today, and each one's decimal places, so a
price is typed and shown in units (25.50 EUR, 3000 JPY) and stored in the smallest unit (cents and the like)."""

from datetime import date
from decimal import Decimal
from functools import cache

from babel import Locale
from babel.numbers import get_currency_name, get_currency_precision, get_territory_currencies


@cache
def currency_choices() -> list[tuple[str, str]]:
    """Every currency legal tender somewhere today, as ("EUR", "EUR — Euro"), by code."""
    today = date.today()
    codes = {code for territory in Locale("en").territories
             for code in get_territory_currencies(territory, start_date=today, tender=True)}
    return [(code, f"{code} — {get_currency_name(code, locale='en')}") for code in sorted(codes)]


def decimal_places(currency: str) -> int:
    """2 for EUR, 0 for JPY, 3 for KWD."""
    return get_currency_precision(currency)


def to_minor_units(amount: Decimal, currency: str) -> int:
    """25.50 EUR → 2550; the amount must have no more decimals than the currency has."""
    return int(amount.scaleb(decimal_places(currency)))


def from_minor_units(minor: int, currency: str) -> Decimal:
    """2550 EUR → Decimal("25.50")."""
    places = decimal_places(currency)
    return Decimal(minor).scaleb(-places).quantize(Decimal(1).scaleb(-places))
