"""Exact fixed-point fields: Decimal in Python, scaled integers in SQL."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from peewee import BigIntegerField


class FixedPointField(BigIntegerField):
    """A Decimal stored as an integer scaled by ``10**places``.

    Sums, comparisons and sorting in SQL are integer arithmetic and therefore exact on
    SQLite and PostgreSQL alike (SQLite's NUMERIC affinity would store floats).

    Args:
        places: Digits after the decimal point.
    """

    def __init__(self, places: int = 2, *args: Any, **kwargs: Any) -> None:
        self.places = places
        """Digits after the decimal point."""
        self.scale = 10**places
        """Factor between the Decimal and the stored integer."""
        self.quantum = Decimal(1).scaleb(-places)
        """The smallest step, e.g. ``Decimal('0.01')``."""
        super().__init__(*args, **kwargs)

    def db_value(self, value: Any) -> Any:
        """Turn a Decimal (or int/str) into the scaled integer; refuse floats."""
        if value is None or not isinstance(value, Decimal | int | str):
            if isinstance(value, float):
                raise TypeError(f"{self.name}: floats are not exact; pass a Decimal")
            return value
        exact = Decimal(value).quantize(self.quantum, rounding=ROUND_HALF_UP)
        return int(exact * self.scale)

    def python_value(self, value: Any) -> Decimal | None:
        """Turn the stored integer back into a Decimal with ``places`` digits."""
        if value is None:
            return None
        exact: Decimal = (Decimal(int(value)) / self.scale).quantize(self.quantum)
        return exact

    def to_decimal(self, stored: int | None) -> Decimal:
        """Convert a raw SQL result (e.g. ``SUM(amount)``) to a Decimal; NULL is zero."""
        return self.python_value(stored or 0) or Decimal(0).quantize(self.quantum)


class MoneyField(FixedPointField):
    """An amount of money in integer cents."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(2, *args, **kwargs)
