"""Money in tests: `usd("12.50")` reads better than `Money(Decimal("12.50"), "USD")`."""

from __future__ import annotations

from decimal import Decimal

from bot.money import Money


def usd(amount: str | int | Decimal) -> Money:
    return Money(Decimal(amount), "USD")


def eur(amount: str | int | Decimal) -> Money:
    return Money(Decimal(amount), "EUR")
