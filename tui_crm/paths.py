"""Where tui-crm keeps its files: platformdirs locations and the packaged styles."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_config_path, user_data_path

APP_NAME = "tui-crm"
"""Name of the per-user config and data folders."""

PACKAGE_DIR = Path(__file__).resolve().parent
"""The installed ``tui_crm`` package."""

STYLES = (
    PACKAGE_DIR / "styles" if (PACKAGE_DIR / "styles").is_dir() else PACKAGE_DIR.parent / "styles"
)
"""The ``.tcss`` files: inside the wheel, else the checkout's top-level ``styles/``."""

LOCALE_DIR = PACKAGE_DIR / "locale"
"""Compiled gettext catalogues (``<lang>/LC_MESSAGES/tui_crm.mo``)."""


def config_dir() -> Path:
    """Return the user config folder (``TUI_CRM_CONFIG_DIR`` overrides it)."""
    override = os.environ.get("TUI_CRM_CONFIG_DIR")
    return Path(override) if override else user_config_path(APP_NAME, appauthor=False)


def data_dir() -> Path:
    """Return the user data folder (``TUI_CRM_DATA_DIR`` overrides it)."""
    override = os.environ.get("TUI_CRM_DATA_DIR")
    return Path(override) if override else user_data_path(APP_NAME, appauthor=False)


def config_file() -> Path:
    """Return the path of ``config.toml`` (``TUI_CRM_CONFIG`` overrides it)."""
    override = os.environ.get("TUI_CRM_CONFIG")
    return Path(override) if override else config_dir() / "config.toml"


def default_database() -> Path:
    """Return the default SQLite database file."""
    return data_dir() / "crm.sqlite"
