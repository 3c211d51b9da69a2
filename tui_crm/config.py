"""Settings read from ``config.toml`` with tomllib, command-line overrides applied on top."""

from __future__ import annotations

import getpass
import re
from dataclasses import dataclass, field, fields, is_dataclass, replace
from decimal import Decimal, InvalidOperation
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

DIAL_BACKENDS = ("none", "command", "fritzbox", "asterisk", "http")
"""How F12 dials: show the number, run a command, FRITZ!Box TR-064, Asterisk AMI, phone URL."""

CALL_MONITORS = ("none", "fritzbox", "asterisk")
"""Where incoming calls are heard: nowhere, the FRITZ!Box call monitor, Asterisk AMI events."""

NUMBER_PLACEHOLDERS = ("{e164}", "{national}", "{dial}")
"""Placeholders for the number in a dial command or action URL (see :class:`TelephonySettings`)."""

_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_EXTENSION = re.compile(r"^[A-Za-z0-9_.*#-]{1,20}$")
_DIGITS = re.compile(r"^[0-9]*$")


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "clerk"


@dataclass(frozen=True, slots=True)
class FritzBoxSettings:
    """``[telephony.fritzbox]``: click-to-dial over TR-064 and the call monitor."""

    host: str = "fritz.box"
    """Host name or address of the FRITZ!Box."""
    port: int = 49000
    """TR-064 port (49000 plain, 49443 with TLS)."""
    user: str = ""
    """FRITZ!Box user with the right "FRITZ!Box settings" / telephony."""
    password: str = ""
    """That user's password."""
    tls: bool = False
    """Whether TR-064 runs over HTTPS (the box's self-signed certificate is accepted)."""
    monitor_port: int = 1012
    """Port of the call monitor (switched on by dialling ``#96*5*`` on a phone of the box)."""


@dataclass(frozen=True, slots=True)
class AsteriskSettings:
    """``[telephony.asterisk]``: the Asterisk Manager Interface (AMI)."""

    host: str = "127.0.0.1"
    """Host of the Asterisk server."""
    port: int = 5038
    """AMI port."""
    user: str = ""
    """AMI user (``manager.conf`` section) with ``originate`` and ``call`` rights."""
    secret: str = ""
    """Its secret."""
    channel: str = "PJSIP/{extension}"
    """The clerk's phone as a channel; ``{extension}`` is the clerk's extension."""
    context: str = "from-internal"
    """Dial-plan context the number is dialled in."""
    caller_id: str = ""
    """Caller ID shown on the clerk's phone while it rings (empty: the number called)."""
    ring_timeout: float = 30.0
    """Seconds the clerk's phone rings before the call is given up."""


@dataclass(frozen=True, slots=True)
class HttpSettings:
    """``[telephony.http]``: a desk phone's action URL (Snom, Yealink, Grandstream)."""

    url: str = ""
    """URL template, e.g. ``http://192.168.1.50/command.htm?number={dial}``."""
    user: str = ""
    """User for HTTP basic or digest authentication (empty: none)."""
    password: str = ""
    """Its password (also usable in the URL as ``{password}``)."""


@dataclass(frozen=True, slots=True)
class TelephonySettings:
    """``[telephony]``: dialling (F12), caller ID and number rules of the local PBX."""

    backend: str = "none"
    """One of :data:`DIAL_BACKENDS`."""
    monitor: str = "none"
    """One of :data:`CALL_MONITORS`."""
    outside_line_prefix: str = ""
    """Digits the PBX needs for an outside line (``0``); stripped from caller IDs."""
    area_code: str = ""
    """Local area code (``07755`` or ``7755``) for numbers typed or reported without one."""
    extension: str = ""
    """This workstation's phone extension; empty means the clerk's extension in the database."""
    command: tuple[str, ...] = ()
    """``backend = "command"``: the argv, with :data:`NUMBER_PLACEHOLDERS`; run without shell."""
    connect_timeout: float = 5.0
    """Seconds to wait for the PBX, phone or FRITZ!Box to accept a connection."""
    dial_timeout: float = 15.0
    """Seconds a dial request (or the dial command) may take in all."""
    fritzbox: FritzBoxSettings = field(default_factory=FritzBoxSettings)
    """``[telephony.fritzbox]``."""
    asterisk: AsteriskSettings = field(default_factory=AsteriskSettings)
    """``[telephony.asterisk]``."""
    http: HttpSettings = field(default_factory=HttpSettings)
    """``[telephony.http]``."""


DUNNING_BASES = ("due", "previous")
"""What a dunning level's days count from: the due date, or the date of the level before."""


@dataclass(frozen=True, slots=True)
class DunningLevel:
    """One level of the dunning run (``[[dunning.levels]]``)."""

    name: str = ""
    """What the level is called (empty: the default name of its place, translated)."""
    days: int = 14
    """Days after :attr:`after` until an unpaid item is due for this level."""
    after: str = "previous"
    """``due``: days count from the due date; ``previous``: from the level before."""
    fee: Decimal = Decimal("0.00")
    """The dunning fee charged with this level (recorded on the dunning event)."""


DEFAULT_DUNNING_LEVELS: tuple[DunningLevel, ...] = (
    DunningLevel(days=14, after="due", fee=Decimal("0.00")),
    DunningLevel(days=14, fee=Decimal("0.00")),
    DunningLevel(days=14, fee=Decimal("5.00")),
    DunningLevel(days=14, fee=Decimal("10.00")),
)
"""Payment reminder, 1st, 2nd and final notice: 14 days apart, as the demo data has them."""


@dataclass(frozen=True, slots=True)
class DunningSettings:
    """``[dunning]``: the levels an unpaid invoice goes through."""

    levels: tuple[DunningLevel, ...] = DEFAULT_DUNNING_LEVELS
    """Level 1 first; an item at the last level is not proposed again."""


@dataclass(frozen=True, slots=True)
class CompanySettings:
    """``[company]``: the own company, for letterheads and footers of letters."""

    name: str = ""
    """Company name."""
    street: str = ""
    """Street and house number."""
    postcode: str = ""
    """Postcode."""
    city: str = ""
    """City."""
    country: str = ""
    """Country name, for letters abroad (empty: not printed)."""
    phone: str = ""
    """Main phone number as printed."""
    fax: str = ""
    """Fax number as printed."""
    email: str = ""
    """Email address."""
    website: str = ""
    """Website."""
    vat_id: str = ""
    """VAT id (USt-IdNr.)."""
    tax_number: str = ""
    """Tax number (Steuernummer)."""
    register: str = ""
    """Commercial register entry (``Amtsgericht Köln HRB 12345``)."""
    managing_director: str = ""
    """Managing director(s)."""
    bank: str = ""
    """Bank name."""
    iban: str = ""
    """IBAN."""
    bic: str = ""
    """BIC."""


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
    mouse_over_ssh: bool = False
    """Whether it does so over SSH too (``SSH_CONNECTION`` set): every mouse move is a packet."""
    templates_dir: str = ""
    """Folder of ``.docx`` templates; empty means ``<data>/templates``."""
    documents_dir: str = ""
    """Folder for generated documents; empty means ``<data>/documents``."""
    keymap: dict[str, str] = field(default_factory=dict)
    """Binding id → key string overrides (``"app.help" = "f1,alt+h"``)."""
    telephony: TelephonySettings = field(default_factory=TelephonySettings)
    """``[telephony]``: dial backend, caller-ID monitor, outside line and area code."""
    company: CompanySettings = field(default_factory=CompanySettings)
    """``[company]``: the own company, for letters."""
    dunning: DunningSettings = field(default_factory=DunningSettings)
    """``[dunning]``: the dunning levels with their days and fees."""
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
            if item.name in ("keymap", "source", "telephony", "company", "dunning"):
                continue
            value = getattr(self, item.name)
            if item.name == "database":
                value = self.database_url
            lines.append(f"{item.name} = {_toml_value(value)}")
        lines.append("")
        lines.append("[keymap]")
        lines.extend(f"{_toml_value(k)} = {_toml_value(v)}" for k, v in sorted(self.keymap.items()))
        lines.extend(_telephony_toml(self.telephony))
        lines.extend(["", "[company]"])
        lines.extend(
            f"{item.name} = {_toml_value(getattr(self.company, item.name))}"
            for item in fields(self.company)
        )
        lines.extend(_dunning_toml(self.dunning))
        return "\n".join(lines) + "\n"


_SECRETS = ("password", "secret")
"""Settings ``config show`` masks."""


def _telephony_toml(telephony: TelephonySettings) -> list[str]:
    """The ``[telephony]`` tables as TOML lines, passwords masked."""

    def table(name: str, values: object) -> list[str]:
        rendered = ["", f"[{name}]"]
        for item in fields(values):  # type: ignore[arg-type]
            value = getattr(values, item.name)
            if is_dataclass(value):
                continue
            if item.name in _SECRETS and value:
                value = "********"
            rendered.append(f"{item.name} = {_toml_value(value)}")
        return rendered

    return [
        *table("telephony", telephony),
        *table("telephony.fritzbox", telephony.fritzbox),
        *table("telephony.asterisk", telephony.asterisk),
        *table("telephony.http", telephony.http),
    ]


def _dunning_toml(dunning: DunningSettings) -> list[str]:
    """The ``[[dunning.levels]]`` tables as TOML lines."""
    rendered: list[str] = []
    for level in dunning.levels:
        rendered += ["", "[[dunning.levels]]"]
        if level.name:
            rendered.append(f"name = {_toml_value(level.name)}")
        rendered.append(f"days = {level.days}")
        rendered.append(f"after = {_toml_value(level.after)}")
        rendered.append(f'fee = "{level.fee:.2f}"')
    return rendered


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
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
        elif key == "telephony":
            values[key] = _telephony_from(path, text, value)
        elif key == "company":
            values[key] = _company_from(path, text, value)
        elif key == "dunning":
            values[key] = _dunning_from(path, text, value)
        elif key in ("mouse", "mouse_over_ssh"):
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


def _table_line(text: str, table: str, key: str) -> int:
    """The 1-based line of ``key = …`` inside ``[table]`` (else the table's header line, else 0)."""
    header = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]")
    assignment = re.compile(rf'^\s*"?{re.escape(key)}"?\s*=')
    current = ""
    header_line = 0
    for number, line in enumerate(text.splitlines(), start=1):
        found = header.match(line)
        if found:
            # ``[[dunning.levels]]`` (an array of tables) reads as ``dunning.levels`` too.
            current = re.sub(r"\s*\.\s*", ".", found.group(1)).lstrip("[ ")
            if current == table:
                header_line = number
            continue
        if current == table and assignment.match(line):
            return number
    return header_line


class _Table:
    """Reads the values of one ``[telephony…]`` table, each error naming file, line and key."""

    def __init__(self, path: Path, text: str, name: str, data: Any) -> None:
        self.path = path
        self.text = text
        self.name = name
        if not isinstance(data, dict):
            raise self.fail("", "must be a table")
        self.data: dict[str, Any] = data

    def fail(self, key: str, problem: str) -> ConfigError:
        line = _table_line(self.text, self.name, key) if key else 0
        where = f"{self.path}:{line}" if line else str(self.path)
        name = f"{self.name}.{key}" if key else self.name
        return ConfigError(f"{where}: {name}: {problem}", title="Config")

    def check_keys(self, allowed: set[str]) -> None:
        for key in self.data:
            if key not in allowed:
                raise self.fail(key, "unknown setting")

    def string(self, key: str, default: str) -> str:
        value = self.data.get(key, default)
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string, not {value!r}")
        return value.strip()

    def choice(self, key: str, default: str, choices: tuple[str, ...]) -> str:
        value = self.data.get(key, default)
        if not isinstance(value, str) or value not in choices:
            raise self.fail(key, f"must be one of {', '.join(choices)}, not {value!r}")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, not {value!r}")
        return value

    def port(self, key: str, default: int) -> int:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
            raise self.fail(key, f"must be a port number from 1 to 65535, not {value!r}")
        return value

    def seconds(self, key: str, default: float) -> float:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 600:
            raise self.fail(
                key, f"must be a number of seconds above 0 and up to 600, not {value!r}"
            )
        return float(value)

    def digits(self, key: str, default: str, most: int) -> str:
        value = self.string(key, default).replace(" ", "")
        if not _DIGITS.match(value) or len(value) > most:
            raise self.fail(key, f"must be up to {most} digits, not {value!r}")
        return value

    def placeholders(self, key: str, value: str, allowed: tuple[str, ...]) -> None:
        for found in _PLACEHOLDER.findall(value):
            if found not in allowed:
                raise self.fail(key, f"unknown placeholder {found}; use {', '.join(allowed)}")


def _telephony_from(path: Path, text: str, data: Any) -> TelephonySettings:
    """Read and check the ``[telephony]`` table and its sub-tables."""
    top = _Table(path, text, "telephony", data)
    top.check_keys({item.name for item in fields(TelephonySettings)})
    backend = top.choice("backend", "none", DIAL_BACKENDS)
    area_code = top.digits("area_code", "", 6)
    extension = top.string("extension", "")
    if extension and not _EXTENSION.match(extension):
        raise top.fail(
            "extension", f"must be letters, digits, '.', '_', '-', '*' or '#', not {extension!r}"
        )
    command = top.data.get("command", [])
    if not isinstance(command, list) or not all(isinstance(part, str) and part for part in command):
        raise top.fail(
            "command", "must be a list of non-empty strings (the program and its arguments)"
        )
    for part in command:
        top.placeholders("command", part, NUMBER_PLACEHOLDERS)
    if backend == "command":
        if not command:
            raise top.fail("command", 'is needed for backend = "command"')
        if not any(mark in part for part in command for mark in NUMBER_PLACEHOLDERS):
            raise top.fail(
                "command", f"never gets the number: put {', '.join(NUMBER_PLACEHOLDERS)} in it"
            )
    fritzbox = _fritzbox_from(path, text, top.data.get("fritzbox", {}))
    asterisk = _asterisk_from(path, text, top.data.get("asterisk", {}))
    http = _http_from(path, text, top.data.get("http", {}))
    monitor = top.choice("monitor", "none", CALL_MONITORS)
    if "asterisk" in (backend, monitor) and not (asterisk.user and asterisk.secret):
        raise _Table(path, text, "telephony.asterisk", {}).fail(
            "secret" if asterisk.user else "user",
            "the Asterisk backend and monitor need user and secret",
        )
    if backend == "http" and not http.url:
        raise _Table(path, text, "telephony.http", {}).fail("url", 'is needed for backend = "http"')
    return TelephonySettings(
        backend=backend,
        monitor=monitor,
        outside_line_prefix=top.digits("outside_line_prefix", "", 4),
        area_code=area_code.removeprefix("0"),
        extension=extension,
        command=tuple(command),
        connect_timeout=top.seconds("connect_timeout", 5.0),
        dial_timeout=top.seconds("dial_timeout", 15.0),
        fritzbox=fritzbox,
        asterisk=asterisk,
        http=http,
    )


def _dunning_from(path: Path, text: str, data: Any) -> DunningSettings:
    """Read and check ``[dunning]`` with its ``[[dunning.levels]]``."""
    top = _Table(path, text, "dunning", data)
    top.check_keys({"levels"})
    if "levels" not in top.data:
        return DunningSettings()
    entries = top.data["levels"]
    if not isinstance(entries, list) or not entries:
        raise top.fail("levels", "must be a non-empty list of tables (one [[dunning.levels]] each)")
    levels = []
    for number, entry in enumerate(entries, start=1):
        table = _Table(path, text, "dunning.levels", entry)
        table.check_keys({item.name for item in fields(DunningLevel)})
        days = table.data.get("days", 14)
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 3650:
            raise table.fail(
                "days", f"level {number}: must be a whole number of days, not {days!r}"
            )
        raw_fee = table.data.get("fee", "0")
        try:
            if isinstance(raw_fee, bool) or not isinstance(raw_fee, int | float | str):
                raise InvalidOperation
            fee = Decimal(str(raw_fee).strip())
        except InvalidOperation:
            raise table.fail("fee", f"level {number}: must be an amount, not {raw_fee!r}") from None
        if not fee.is_finite() or fee < 0 or fee != fee.quantize(Decimal("0.01")):
            raise table.fail(
                "fee", f"level {number}: must be an amount >= 0 with at most 2 decimals"
            )
        levels.append(
            DunningLevel(
                name=table.string("name", ""),
                days=days,
                after=table.choice("after", "due" if number == 1 else "previous", DUNNING_BASES),
                fee=fee.quantize(Decimal("0.01")),
            )
        )
    return DunningSettings(levels=tuple(levels))


def _fritzbox_from(path: Path, text: str, data: Any) -> FritzBoxSettings:
    table = _Table(path, text, "telephony.fritzbox", data)
    table.check_keys({item.name for item in fields(FritzBoxSettings)})
    host = table.string("host", "fritz.box")
    if not host:
        raise table.fail("host", "must not be empty")
    return FritzBoxSettings(
        host=host,
        port=table.port("port", 49000),
        user=table.string("user", ""),
        password=table.string("password", ""),
        tls=table.flag("tls", False),
        monitor_port=table.port("monitor_port", 1012),
    )


def _asterisk_from(path: Path, text: str, data: Any) -> AsteriskSettings:
    table = _Table(path, text, "telephony.asterisk", data)
    table.check_keys({item.name for item in fields(AsteriskSettings)})
    values: dict[str, str] = {}
    for key, default in (
        ("host", "127.0.0.1"),
        ("user", ""),
        ("secret", ""),
        ("channel", "PJSIP/{extension}"),
        ("context", "from-internal"),
        ("caller_id", ""),
    ):
        value = table.string(key, default)
        if any(ord(char) < 32 for char in value):
            raise table.fail(key, "must not contain line breaks or control characters")
        values[key] = value
    for key in ("host", "channel", "context"):
        if not values[key]:
            raise table.fail(key, "must not be empty")
    table.placeholders("channel", values["channel"], ("{extension}",))
    table.placeholders("caller_id", values["caller_id"], ("{extension}", *NUMBER_PLACEHOLDERS))
    return AsteriskSettings(
        port=table.port("port", 5038),
        ring_timeout=table.seconds("ring_timeout", 30.0),
        **values,
    )


def _http_from(path: Path, text: str, data: Any) -> HttpSettings:
    table = _Table(path, text, "telephony.http", data)
    table.check_keys({item.name for item in fields(HttpSettings)})
    url = table.string("url", "")
    if url:
        if not url.startswith(("http://", "https://")):
            raise table.fail("url", f"must start with http:// or https://, not {url!r}")
        table.placeholders(
            "url", url, (*NUMBER_PLACEHOLDERS, "{extension}", "{user}", "{password}")
        )
        if not any(mark in url for mark in NUMBER_PLACEHOLDERS):
            raise table.fail(
                "url", f"never gets the number: put {', '.join(NUMBER_PLACEHOLDERS)} in it"
            )
    return HttpSettings(
        url=url, user=table.string("user", ""), password=table.string("password", "")
    )


def _company_from(path: Path, text: str, data: Any) -> CompanySettings:
    """Read and check the ``[company]`` table (strings only)."""
    table = _Table(path, text, "company", data)
    table.check_keys({item.name for item in fields(CompanySettings)})
    return CompanySettings(
        **{item.name: table.string(item.name, "") for item in fields(CompanySettings)}
    )


def with_overrides(
    settings: Settings, *, database: str | None = None, clerk: str | None = None
) -> Settings:
    """Return ``settings`` with the database and clerk given on the command line put in."""
    if database:
        settings = replace(settings, database=database)
    if clerk:
        settings = replace(settings, clerk=clerk)
    return settings
