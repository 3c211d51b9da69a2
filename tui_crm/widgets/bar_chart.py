"""BarChart: horizontal bars of amounts drawn with block characters, one line per period.

Only ``█`` (full block) and ``▌`` (left half block) are used: every common terminal font
has them, the Windows console fonts (Consolas, Lucida Console) included. The bar's length
carries the value, the figure beside it the exact amount and the change; colour only
helps (it stays readable in 16 colours and without any).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from textual.content import Content
from textual.widgets import Static

FULL = "█"
"""A whole cell of bar."""

HALF = "▌"
"""Half a cell of bar."""

BAR = "$secondary"
"""Style of a bar of a positive amount."""

NEGATIVE = "$text-error"
"""Style of a bar of a negative amount (more credited than invoiced)."""


@dataclass(frozen=True, slots=True)
class Bar:
    """One line of the chart."""

    label: str
    """The period (``Mar 2026``)."""
    value: Decimal
    """The amount the bar's length stands for."""
    figure: str
    """The amount as text."""
    note: str = ""
    """Text after the figure (the change)."""
    note_style: str = ""
    """Style of the note."""


def bar_text(value: Decimal, largest: Decimal, width: int) -> str:
    """The bar of ``value`` in half cells of ``width`` cells for ``largest``.

    A value above zero gets at least half a cell, so it never looks like nothing.
    """
    if largest <= 0 or value == 0:
        return ""
    halves = int((abs(value) * width * 2 / largest).to_integral_value())
    halves = max(1, min(halves, width * 2))
    return FULL * (halves // 2) + (HALF if halves % 2 else "")


class BarChart(Static):
    """A titled horizontal bar chart; :meth:`show` replaces its bars."""

    DEFAULT_CSS = """
    BarChart {
        height: auto;
    }
    """

    def __init__(self, title: str = "", *, bar_width: int = 24, id: str | None = None) -> None:  # noqa: A002
        super().__init__("", id=id)
        self.title = title
        """The heading line."""
        self.bar_width = bar_width
        """Cells of the longest bar."""
        self.bars: tuple[Bar, ...] = ()
        """The bars shown."""

    def show(self, bars: Sequence[Bar]) -> None:
        """Draw ``bars``."""
        self.bars = tuple(bars)
        self.update(self.chart())

    def chart(self) -> Content:
        """The heading and one line per bar (plain text, never markup)."""
        lines = [Content.styled(self.title, "bold $accent")] if self.title else []
        largest = max((abs(bar.value) for bar in self.bars), default=Decimal(0))
        label_width = max((len(bar.label) for bar in self.bars), default=0)
        figure_width = max((len(bar.figure) for bar in self.bars), default=0)
        for bar in self.bars:
            drawn = bar_text(bar.value, largest, self.bar_width)
            lines.append(
                Content.assemble(
                    (bar.label.ljust(label_width) + " ", "$text-muted"),
                    (drawn, NEGATIVE if bar.value < 0 else BAR),
                    " " * (self.bar_width - len(drawn) + 1),
                    bar.figure.rjust(figure_width),
                    " ",
                    (bar.note, bar.note_style),
                )
            )
        return Content("\n").join(lines)
