"""Settings read from ``config.toml`` with tomllib, command-line overrides applied on top."""

from __future__ import annotations

import getpass
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from tui_crm import paths
from tui_crm.errors import ConfigError

THEMES = ("tui-crm", "tui-crm-contrast", "tui-crm-16")
"""Theme names the config accepts: default, high contrast, and 16 colours."""

COLOR_SYSTEMS = ("auto", "standard", "256", "truecolor", "none")
"""Values for ``color_system``: ``auto`` trusts TERM/COLORTERM; others set TEXTUAL_COLOR_SYSTEM."""

LANGUAGES = ("de", "en")
"""Languages with a shipped catalogue."""

REGION_PATTERN = re.compile(r"^[A-Z]{2}$")


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "clerk"


@dataclass(frozen=True, slots=True)
class Settings:
    """The effective settings of one run."""

    database: str = ""
    """SQLite path or database URL; empty means the default file in the data folder."""
    clerk: str = field(default_factory=_login_name)
    """Login of the clerk working in this session (default: the OS login name)."""
    region: str = "DE"
    """Default phone and address region (ISO 3166 alpha-2)."""
    language: str = ""
    """UI language (``de`` or ``en``); empty means from the locale."""
    theme: str = "tui-crm"
    """One of :data:`THEMES`."""
    color_system: str = "auto"
    """One of :data:`COLOR_SYSTEMS`."""
    mouse: bool = True
    """Whether the app asks the terminal for mouse events."""
    templates_dir: str = ""
    """Folder of ``.docx`` templates; empty means ``<data>/templates``."""
    documents_dir: str = ""
    """Folder for generated documents; empty means ``<data>/documents``."""
    keymap: dict[str, str] = field(default_factory=dict)
    """Binding id → key string overrides (``"app.help" = "f1,alt+h"``)."""
    source: str = ""
    """The file these settings were read from, or empty when none exists."""

    @property
    def database_url(self) -> str:
        """The database as a URL or path, the default file filled in."""
        return self.database or str(paths.default_database())

    @property
    def templates_path(self) -> Path:
        """Folder of letter templates."""
        return (
            Path(self.templates_dir).expanduser()
            if self.templates_dir
            else (paths.data_dir() / "templates")
        )

    @property
    def documents_path(self) -> Path:
        """Folder where generated letters are written."""
        return (
            Path(self.documents_dir).expanduser()
            if self.documents_dir
            else (paths.data_dir() / "documents")
        )

    def as_toml(self) -> str:
        """Render the effective settings as TOML (``tui-crm config show``)."""
        lines = [f"# effective settings (file: {self.source or 'none'})"]
        for item in fields(self):
            if item.name in ("keymap", "source"):
                continue
            value = getattr(self, item.name)
            if item.name == "database":
                value = self.database_url
            lines.append(f"{item.name} = {_toml_value(value)}")
        lines.append("")
        lines.append("[keymap]")
        lines.extend(f"{_toml_value(k)} = {_toml_value(v)}" for k, v in sorted(self.keymap.items()))
        return "\n".join(lines) + "\n"


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def _line_of(text: str, key: str) -> int:
    """Return the 1-based line where ``key`` is assigned, or 0 when it cannot be found."""
    pattern = re.compile(rf'^\s*"?{re.escape(key)}"?\s*=')
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return 0


def _fail(path: Path, text: str, key: str, problem: str) -> ConfigError:
    line = _line_of(text, key)
    where = f"{path}:{line}" if line else str(path)
    return ConfigError(f"{where}: {key}: {problem}", title="Config")


def _check_choice(path: Path, text: str, key: str, value: Any, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        return_text = ", ".join(choices)
        raise _fail(path, text, key, f"must be one of {return_text}, not {value!r}")
    return value


def load_settings(path: Path | None = None) -> Settings:
    """Read the config file; a missing file gives the defaults.

    Args:
        path: The file to read; default :func:`tui_crm.paths.config_file`.

    Returns:
        The settings, validated.

    Raises:
        ConfigError: The file is unreadable, not TOML, or holds an unknown key or bad value;
            the message names the file, the line and the key.
    """
    path = path or paths.config_file()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the config file: {error}", title="Config") from None
    import tomllib  # only when there is a file: the command line starts faster without it

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}", title="Config") from None
    return _settings_from(path, text, data)


def _settings_from(path: Path, text: str, data: dict[str, Any]) -> Settings:
    known = {item.name for item in fields(Settings)} - {"source"}
    values: dict[str, Any] = {"source": str(path)}
    for key, value in data.items():
        if key not in known:
            raise _fail(path, text, key, "unknown setting")
        if key == "keymap":
            if not isinstance(value, dict):
                raise _fail(path, text, key, "must be a table of binding id = keys")
            for binding_id, keys in value.items():
                if not isinstance(keys, str) or not keys.strip():
                    raise _fail(path, text, binding_id, "keys must be a non-empty string")
            values[key] = dict(value)
        elif key == "mouse":
            if not isinstance(value, bool):
                raise _fail(path, text, key, f"must be true or false, not {value!r}")
            values[key] = value
        elif key == "theme":
            values[key] = _check_choice(path, text, key, value, THEMES)
        elif key == "color_system":
            values[key] = _check_choice(path, text, key, value, COLOR_SYSTEMS)
        elif key == "language":
            values[key] = _check_choice(path, text, key, value, LANGUAGES)
        elif key == "region":
            if not isinstance(value, str) or not REGION_PATTERN.match(value):
                raise _fail(path, text, key, f"must be a two-letter country code, not {value!r}")
            values[key] = value
        else:
            if not isinstance(value, str):
                raise _fail(path, text, key, f"must be a string, not {value!r}")
            values[key] = value
    return Settings(**values)


def with_overrides(
    settings: Settings, *, database: str | None = None, clerk: str | None = None
) -> Settings:
    """Return ``settings`` with the database and clerk given on the command line put in."""
    if database:
        settings = replace(settings, database=database)
    if clerk:
        settings = replace(settings, clerk=clerk)
    return settings
