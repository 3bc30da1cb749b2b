"""How the portal writes figures for people: one place, so every page says them the same way."""

from __future__ import annotations

from decimal import Decimal

CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "CHF": "CHF "}


def money(amount: Decimal | None, currency: str) -> str:
    if amount is None:
        return "—"
    symbol = CURRENCY_SYMBOLS.get(currency.upper(), f"{currency.upper()} ")
    return f"{symbol}{amount:,.2f}"
