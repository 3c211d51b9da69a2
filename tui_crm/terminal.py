"""What Textual 8.2's escape-sequence parser gets wrong, put right before the driver starts.

Textual reads every ``ESC [ n ~`` and ``ESC [ 1 ; m R`` as a kitty-protocol key or a cursor
position report first, so keys that PuTTY, rxvt, the Linux console, macOS Terminal and xterm
send arrive as something else (see ``tests/e2e/terminal-keys.tsv``):

* ``ESC [ 25 ~`` … ``ESC [ 34 ~`` (F13-F20: Shift+F-keys in PuTTY, rxvt, the Linux console,
  macOS Terminal) became the characters ``\\x19`` … ``"`` (``ESC [ 32 ~`` typed a space).
  :func:`install` adds them to Textual's table of legacy function keys, so they arrive as
  ``f13`` … ``f20`` (with modifiers: ``shift+f13``). Any other ``ESC [ n ~`` that names no key
  (``ESC [ 16 ~`` became ``ctrl+p``, the command palette) is ignored.
* ``ESC [ 1 ; m R`` (xterm's Shift/Alt/Ctrl+F3) was taken for a cursor position report and
  dropped. The full-screen driver never asks for the cursor position, so
  :class:`TerminalKeyParser` turns such a report into the key (``shift+f3``, ``ctrl+f3`` …).
* ``ESC O b`` (rxvt's Ctrl+Down) was read as ``ctrl+up``.
* Alt+letter and Alt+digit arrive as ESC and the character from xterm, GNOME Terminal,
  PuTTY, rxvt, tmux and the Linux console. Textual read ``ESC 1`` … ``ESC 0`` as the
  characters a US Mac keyboard gives for Option+digit (``¡ ™ £``), ``ESC f``/``ESC b`` as
  ``ctrl+right``/``ctrl+left`` (iTerm's word keys), and the other letters only after the
  escape delay, with the letter as their character, so an unbound Alt+letter typed it into
  an input. Now ``ESC`` followed by a lowercase letter or a digit is at once ``alt+x``
  without a character.
* PuTTY sends Alt+Fn and Alt+arrow as Esc followed by the key (``ESC ESC [ 11 ~``); Textual
  reports ``escape`` and then ``f1``, and Esc left the screen before F1 arrived. Textual
  reports a lone Esc only after the escape delay (``ESCDELAY``, 100 ms), from
  :meth:`~textual._parser.Parser.tick`; an ``escape`` reported while bytes are fed means a
  second ESC followed within that delay. When it came in the same read, or within
  :data:`PREFIX_WINDOW`, :class:`TerminalKeyParser` holds the Esc back until the next key:
  an F-key replaces it (the F-key's action runs, as in terminals that report Alt+Fn as Fn),
  an arrow or paging key becomes its ``alt+`` chord (as xterm reports it), anything else
  gets the Esc delivered first. An Esc pressed by hand before another key is delivered.

:func:`install` patches Textual's tables and makes the Linux driver build its parser from
:class:`TerminalKeyParser`; ``tui_crm.cli.run_app`` calls it before the app starts.

Glyphs: the Windows console fonts (Lucida Console, Consolas in conhost) and PuTTY's Courier
New have the characters of Microsoft's WGL4 set (:data:`SAFE_GLYPHS`), not the eighth blocks
and heavy lines Textual draws borders, scrollbars and the tab underline with.
:func:`use_safe_glyphs` (called by ``CrmApp``) draws them with WGL4 characters instead;
``tests/ui/test_glyphs.py`` checks every screen.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Generator, Iterable, Mapping
from typing import ClassVar, Final, cast

from textual import constants, events
from textual._ansi_sequences import ANSI_SEQUENCES_KEYS
from textual._keyboard_protocol import FUNCTIONAL_KEYS
from textual._parser import Peek1, Read1
from textual._time import get_time
from textual._xterm_parser import XTermParser
from textual.keys import Keys
from textual.message import Message
from textual.scrollbar import ScrollBarRender

LEGACY_FUNCTION_KEYS: Final = {
    "25~": "f13",
    "26~": "f14",
    "28~": "f15",
    "29~": "f16",
    "31~": "f17",
    "32~": "f18",
    "33~": "f19",
    "34~": "f20",
}
"""VT220 numbers of F13-F20 (``ESC [ 25 ~`` …), missing from Textual's functional keys."""

SEQUENCE_FIXES: Final = {"\x1bOb": (Keys.ControlDown,)}
"""Entries of Textual's ANSI table that name the wrong key (rxvt Ctrl+Down, not Ctrl+Up)."""

ALT_PREFIXED: Final = frozenset(
    ("up", "down", "left", "right", "home", "end", "pageup", "pagedown", "insert", "delete")
)
"""Keys that an Esc just before turns into their ``alt+`` chord (PuTTY's Alt+arrow)."""

_F_KEY: Final = re.compile(r"(?:[a-z]+\+)*f\d{1,2}")
"""An F-key, with or without modifiers, as Textual names it."""
_TILDE_KEY: Final = re.compile(r"\x1b\[(\d+)(?:;\d+)?~")
"""A legacy function-key sequence, with or without modifiers."""
_ALT_CHARACTER: Final = re.compile(r"\x1b([a-z0-9])")
"""Alt+letter or Alt+digit as terminals without a keyboard protocol send it."""
PREFIX_WINDOW: Final = 0.01
"""Seconds within which an ESC and the ESC after it count as one key's bytes (PuTTY's Alt+Fn
comes in one write) when a read splits them; an Esc pressed by hand comes later."""

_MODIFIED_F3_MAX: Final = 16
"""Highest xterm modifier parameter (Shift+Alt+Ctrl+Meta) of ``ESC [ 1 ; m R``."""


class TerminalKeyParser(XTermParser):
    """Textual's parser with the fixes described in the module docstring."""

    def __init__(self, debug: bool = False) -> None:
        self._held_escape: events.Key | None = None
        """An Esc that a second ESC followed at once, waiting for the key after it."""
        self._held_since = 0.0
        """When the held Esc arrived (Textual's clock)."""
        self._ticking = False
        """Whether tokens come from a timeout (a lone Esc) rather than fed bytes."""
        self._waiting_since: float | None = None
        """When the bytes came that left the parser inside a sequence (an ESC), if it is."""
        self._prefix = True
        """Whether an Esc reported now came with the ESC after it: in the same read or
        within :data:`PREFIX_WINDOW` (then it is a prefix, not the Esc key)."""
        super().__init__(debug)

    def feed(self, data: str) -> Iterable[Message]:
        """Parse ``data``, noting whether an ESC before it came just before it."""
        now = get_time()
        self._prefix = self._waiting_since is None or now - self._waiting_since <= PREFIX_WINDOW
        try:
            yield from super().feed(data)
        finally:
            self._prefix = True
            self._waiting_since = now if self._timeout_time is not None else None

    def parse(
        self, token_callback: Callable[[Message], None]
    ) -> Generator[Read1 | Peek1, str, None]:
        """Textual's parser, its tokens put right before they reach ``token_callback``."""

        def on_token(token: Message) -> None:
            for fixed in self._fix(token):
                token_callback(fixed)

        return super().parse(on_token)

    def tick(self) -> Iterable[Message]:
        """Check for timeouts; release a held Esc that no key followed."""
        self._ticking = True
        try:
            yield from super().tick()
        finally:
            self._ticking = False
        if self._held_escape is not None and get_time() - self._held_since > 2 * (
            constants.ESCAPE_DELAY
        ):
            yield self._release()

    def _release(self) -> events.Key:
        """Hand over the held Esc."""
        escape, self._held_escape = self._held_escape, None
        assert escape is not None
        return escape

    def _fix(self, token: Message) -> Iterable[Message]:
        """What to report for ``token``: itself, the key it stands for, or nothing yet."""
        if isinstance(token, events.CursorPosition):
            token = self._modified_f3(token)
        if not isinstance(token, events.Key):
            return [token]
        if token.key == "escape" and not self._ticking:
            if not self._prefix:  # the Esc key, pressed a while before the next key
                self._prefix = True
                return [token]
            released = [self._release()] if self._held_escape is not None else []
            self._held_escape, self._held_since = token, get_time()
            return released
        if self._held_escape is None:
            return [token]
        if _F_KEY.fullmatch(token.key):
            # PuTTY's Alt+Fn: the F-key's own action runs, the Esc before it is dropped.
            self._held_escape = None
            return [token]
        if token.key in ALT_PREFIXED:
            self._held_escape = None
            return [events.Key(f"alt+{token.key}", None)]
        return [self._release(), token]

    def _modified_f3(self, report: events.CursorPosition) -> Message:
        """Turn ``ESC [ 1 ; m R`` back into Shift/Alt/Ctrl+F3 (``m`` = modifiers + 1)."""
        modifiers = report.x + 1
        if report.y != 0 or not 2 <= modifiers <= _MODIFIED_F3_MAX:
            return report
        keys = self._parse_extended_key(f"\x1b[1;{modifiers}R")
        return keys[0].copy() if keys else report

    def _sequence_to_key_events(self, sequence: str, alt: bool = False) -> Iterable[events.Key]:
        """Textual's mapping, but Alt+letter at once and an unknown ``ESC [ n ~`` ignored."""
        chord = _ALT_CHARACTER.fullmatch(sequence)
        if chord is not None:
            return [events.Key(f"alt+{chord.group(1)}", None)]
        tilde = _TILDE_KEY.fullmatch(sequence)
        if (
            tilde is not None
            and f"{tilde.group(1)}~" not in FUNCTIONAL_KEYS
            and sequence not in ANSI_SEQUENCES_KEYS
        ):
            return [events.Key(Keys.Ignore, sequence)]
        return super()._sequence_to_key_events(sequence, alt)


SIXTEEN_COLOUR_THEME: Final = "tui-crm-16"
"""The theme made of the terminal's own 16 colours."""

FULL_COLOUR_THEME: Final = "tui-crm"
"""The default theme, drawn in 24-bit colour; with 16 colours it is replaced."""


def colour_system(environ: Mapping[str, str]) -> str | None:
    """The colour system Textual will draw with: ``standard`` (16), ``256``, ``truecolor``.

    Textual asks Rich, which trusts ``TEXTUAL_COLOR_SYSTEM`` when set, else ``COLORTERM``
    (``truecolor``) and the end of ``TERM`` (``-256color``); anything else, ``xterm``,
    ``linux`` and ``screen`` included, is 16 colours. None: no colour (``TERM=dumb``).
    """
    from rich.console import Console

    system = environ.get("TEXTUAL_COLOR_SYSTEM", "auto")
    console = Console(
        color_system=system if system in ("standard", "256", "truecolor") else "auto",  # type: ignore[arg-type]
        force_terminal=True,
        _environ=dict(environ),
    )
    return console.color_system


def theme_for(theme: str, environ: Mapping[str, str]) -> str:
    """``theme``, but the 16-colour theme where the default theme would be cut to 16 colours.

    Downgraded to 16 colours, the default theme's greys and blues all become black, grey or
    blue; the 16-colour theme uses the terminal's own palette and its default colours.
    """
    if "NO_COLOR" in environ:
        return theme  # Textual draws the full-colour theme in greys; the ANSI one went black
    if theme == FULL_COLOUR_THEME and colour_system(environ) in ("standard", None):
        return SIXTEEN_COLOUR_THEME
    return theme


SAFE_GLYPHS: Final = frozenset(
    [chr(code) for code in (*range(0x20, 0x7F), *range(0xA0, 0x100))]
    + [
        chr(code)
        for code in (
            # euro, ellipsis, dashes, quotes, bullet, trade mark, per mille, angle quotes
            *(0x20AC, 0x2026, 0x2013, 0x2014, 0x2018, 0x2019, 0x201A, 0x201C, 0x201D),
            *(0x201E, 0x2022, 0x2122, 0x2030, 0x2039, 0x203A),
            # arrows, identical to, not equal, less/greater or equal, infinity, almost equal
            *range(0x2190, 0x2196),
            *(0x2261, 0x2260, 0x2264, 0x2265, 0x221E, 0x2248),
            # single and double box lines
            *(0x2500, 0x2502, 0x250C, 0x2510, 0x2514, 0x2518, 0x251C, 0x2524, 0x252C),
            *(0x2534, 0x253C, 0x2550, 0x2551, 0x2554, 0x2557, 0x255A, 0x255D, 0x2560),
            *(0x2563, 0x2566, 0x2569, 0x256C),
            # upper, lower, full, left and right half block, shades
            *(0x2580, 0x2584, 0x2588, 0x258C, 0x2590, 0x2591, 0x2592, 0x2593),
            # squares, triangles, circles
            *(0x25A0, 0x25A1, 0x25AA, 0x25AB, 0x25B2, 0x25BA, 0x25BC, 0x25C4, 0x25CB, 0x25CF),
        )
    ]
)
"""Characters the UI may draw: ASCII, Latin-1 and the WGL4 punctuation, arrows, box lines
(single and double) and blocks that Lucida Console, Consolas and Courier New all have."""

SAFE_BORDERS: Final = {
    "round": (("┌", "─", "┐"), ("│", " ", "│"), ("└", "─", "┘")),
    "dashed": (("┌", "─", "┐"), ("│", " ", "│"), ("└", "─", "┘")),
    "heavy": (("╔", "═", "╗"), ("║", " ", "║"), ("╚", "═", "╝")),
    "inner": (("▄", "▄", "▄"), ("▐", " ", "▌"), ("▀", "▀", "▀")),
    "outer": (("█", "▀", "█"), ("▌", " ", "▐"), ("█", "▄", "█")),
    "hkey": (("▀", "▀", "▀"), (" ", " ", " "), ("▄", "▄", "▄")),
    "vkey": (("│", " ", "│"), ("│", " ", "│"), ("│", " ", "│")),
    "tall": (("▌", "▀", "▌"), ("▌", " ", "▌"), ("▌", "▄", "▌")),
    "panel": (("▌", "█", "▌"), ("▌", " ", "▌"), ("▌", "▄", "▌")),
    "tab": (("▄", "▄", "▄"), ("▌", " ", "▐"), ("▀", "▀", "▀")),
    "wide": (("▄", "▄", "▄"), ("▌", " ", "▐"), ("▀", "▀", "▀")),
}
"""Textual's border styles whose characters are not all WGL4, drawn with ones that are (half
blocks for Textual's eighth blocks, single and double lines for rounded and heavy ones)."""


def use_safe_glyphs() -> None:
    """Draw borders, scrollbars and the tab underline with :data:`SAFE_GLYPHS` only.

    Idempotent. Textual's border table, the tab underline's characters and the scrollbar
    renderer are its own extension points (``ScrollBar.renderer`` is documented as such).
    """
    from textual._border import BORDER_CHARS
    from textual.renderables.bar import Bar
    from textual.scrollbar import ScrollBar

    BORDER_CHARS.update(SAFE_BORDERS)  # type: ignore[arg-type]
    Bar.HALF_BAR_LEFT = Bar.BAR = Bar.HALF_BAR_RIGHT = "─"
    ScrollBar.renderer = WholeCellScrollBarRender


class WholeCellScrollBarRender(ScrollBarRender):
    """Textual's scrollbar without the eighth blocks at the thumb's ends: whole cells only."""

    VERTICAL_BARS: ClassVar[list[str]] = [" "] * 8
    HORIZONTAL_BARS: ClassVar[list[str]] = [" "] * 8


def install() -> None:
    """Patch Textual's key tables and give its drivers :class:`TerminalKeyParser`.

    Idempotent. Call it before the app runs: the driver builds its parser when it starts.
    """
    FUNCTIONAL_KEYS.update(LEGACY_FUNCTION_KEYS)
    # Typed as a Mapping, but a plain dict that the parser reads on every key.
    cast("dict[str, object]", ANSI_SEQUENCES_KEYS).update(SEQUENCE_FIXES)
    # Each driver looks the class up in its module when it starts its input thread (Windows
    # feeds the console's VT input to the same parser).
    if sys.platform == "win32":
        from textual.drivers import win32 as driver
    else:
        from textual.drivers import linux_driver as driver
    driver.XTermParser = TerminalKeyParser  # type: ignore[attr-defined,misc]
