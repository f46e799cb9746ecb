"""Conversion between `Decimal` money and the integer micro-units stored in the database."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

MICROS_PER_UNIT = 1_000_000
_MICRO = Decimal("0.000001")


def to_micros(amount: Decimal) -> int:
    """Return the amount in micro-units; finer fractions are rounded half-up."""
    if isinstance(amount, float):
        raise TypeError("money is never a float")
    return int((Decimal(amount) * MICROS_PER_UNIT).to_integral_value(rounding=ROUND_HALF_UP))


def from_micros(micros: int) -> Decimal:
    """Return the Decimal amount of integer micro-units."""
    return (Decimal(micros) / MICROS_PER_UNIT).quantize(_MICRO)
