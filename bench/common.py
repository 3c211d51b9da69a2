"""Helpers every benchmark script shares: JSON figures, percentiles, milliseconds."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any


def emit(figure: str, value: float | None, unit: str, goal: float | None, **extra: Any) -> None:
    """Print one figure as a JSON line (``within_goal`` added when there is a goal)."""
    line: dict[str, Any] = {"figure": figure, "value": value, "unit": unit, "goal": goal}
    if goal is not None and value is not None:
        line["within_goal"] = value <= goal
    line.update(extra)
    print(json.dumps(line), flush=True)


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile of ``values`` (``share`` 0.95 for p95)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def ms(seconds: float) -> float:
    """Seconds as milliseconds, rounded to 0.01 ms."""
    return round(seconds * 1000, 2)
