"""The three themes: default, high contrast, and one that reads well with 16 colours."""

from __future__ import annotations

from textual.theme import Theme

DEFAULT = Theme(
    name="tui-crm",
    primary="#2f7fd1",
    secondary="#5aa3a3",
    accent="#e0a030",
    warning="#e0a030",
    error="#e05252",
    success="#4caf50",
    foreground="#e6e6e6",
    background="#1b1f24",
    surface="#242a31",
    panel="#2e3640",
    dark=True,
)
"""Calm dark theme for long days at the counter."""

CONTRAST = Theme(
    name="tui-crm-contrast",
    primary="#ffff00",
    secondary="#00ffff",
    accent="#ffff00",
    warning="#ffff00",
    error="#ff5555",
    success="#55ff55",
    foreground="#ffffff",
    background="#000000",
    surface="#000000",
    panel="#1a1a1a",
    boost="#333333",
    dark=True,
    variables={
        "block-cursor-background": "#ffff00",
        "block-cursor-foreground": "#000000",
        "footer-key-foreground": "#ffff00",
        "input-selection-background": "#ffff00 50%",
    },
)
"""Black on white contrast for weak eyes and bright rooms."""

SIXTEEN = Theme(
    name="tui-crm-16",
    ansi=True,
    primary="ansi_blue",
    secondary="ansi_cyan",
    warning="ansi_yellow",
    error="ansi_red",
    success="ansi_green",
    accent="ansi_yellow",
    foreground="ansi_default",
    background="ansi_default",
    surface="ansi_default",
    panel="ansi_default",
    boost="ansi_default",
    dark=True,
    variables={
        "ansi-background": "ansi_black",
        "ansi-foreground": "ansi_white",
        "border-blurred": "ansi_black",
        "block-cursor-foreground": "ansi_black",
        "block-cursor-background": "ansi_white",
        "input-cursor-background": "ansi_white",
        "input-cursor-foreground": "ansi_black",
        "input-cursor-text-style": "none",
        "input-selection-background": "ansi_bright_blue",
        "input-selection-foreground": "ansi_black",
        "footer-key-foreground": "ansi_yellow",
        "footer-description-foreground": "ansi_white",
        "footer-background": "ansi_blue",
    },
)
"""Only the 16 ANSI colours: TERM=xterm, the Linux console, PuTTY defaults."""

ALL = (DEFAULT, CONTRAST, SIXTEEN)
"""Themes in the order F9 cycles through them."""
