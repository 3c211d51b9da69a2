"""The ``[telephony]`` tables of the config file: values, defaults, and one clear message each."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui_crm.config import (
    AsteriskSettings,
    FritzBoxSettings,
    HttpSettings,
    Settings,
    TelephonySettings,
    load_settings,
)
from tui_crm.errors import ConfigError
from tui_crm.services import phones

FULL = """
region = "DE"

[keymap]
"app.help" = "f1"

[telephony]
backend = "asterisk"
monitor = "asterisk"
outside_line_prefix = "0"
area_code = "07755"
extension = "12"
command = ["linphonecsh", "dial", "{e164}"]
connect_timeout = 3
dial_timeout = 20.5

[telephony.fritzbox]
host = "192.168.178.1"
port = 49443
user = "crm"
password = "box-pw"
tls = true
monitor_port = 1012

[telephony.asterisk]
host = "pbx.local"
port = 5038
user = "crm"
secret = "s3cret"
channel = "SIP/{extension}"
context = "outbound"
caller_id = "CRM <{dial}>"
ring_timeout = 25

[telephony.http]
url = "http://192.168.1.50/command.htm?number={dial}"
user = "admin"
password = "pw"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_telephony_table_means_no_backend_and_no_monitor(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, 'region = "DE"\n'))
    assert settings.telephony == TelephonySettings()
    assert settings.telephony.backend == "none"
    assert settings.telephony.monitor == "none"
    assert settings.telephony.fritzbox.monitor_port == 1012


def test_every_telephony_setting_is_read(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, FULL))
    assert settings.telephony == TelephonySettings(
        backend="asterisk",
        monitor="asterisk",
        outside_line_prefix="0",
        area_code="7755",
        extension="12",
        command=("linphonecsh", "dial", "{e164}"),
        connect_timeout=3.0,
        dial_timeout=20.5,
        fritzbox=FritzBoxSettings(
            host="192.168.178.1",
            port=49443,
            user="crm",
            password="box-pw",
            tls=True,
            monitor_port=1012,
        ),
        asterisk=AsteriskSettings(
            host="pbx.local",
            port=5038,
            user="crm",
            secret="s3cret",
            channel="SIP/{extension}",
            context="outbound",
            caller_id="CRM <{dial}>",
            ring_timeout=25.0,
        ),
        http=HttpSettings(
            url="http://192.168.1.50/command.htm?number={dial}", user="admin", password="pw"
        ),
    )
    assert settings.keymap == {"app.help": "f1"}
    plan = phones.plan_of(settings)
    assert plan == phones.NumberPlan("DE", "0", "7755")


def test_config_show_masks_passwords(tmp_path: Path) -> None:
    shown = load_settings(write(tmp_path, FULL)).as_toml()
    assert "[telephony]" in shown
    assert "[telephony.asterisk]" in shown
    assert 'backend = "asterisk"' in shown
    assert 'command = ["linphonecsh", "dial", "{e164}"]' in shown
    assert "port = 49443" in shown
    for secret in ("box-pw", "s3cret", '"pw"'):
        assert secret not in shown
    assert 'secret = "********"' in shown
    assert 'password = ""' in Settings().as_toml()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[telephony]\nbackend = "sip"\n', ":2: telephony.backend: must be one of none, command,"),
        ('[telephony]\nmonitor = "capi"\n', ":2: telephony.monitor: must be one of none, fritzbox"),
        ("[telephony]\ncolour = 1\n", ":2: telephony.colour: unknown setting"),
        (
            '[telephony]\noutside_line_prefix = "O"\n',
            ":2: telephony.outside_line_prefix: must be up",
        ),
        ('[telephony]\narea_code = "07755-1"\n', ":2: telephony.area_code: must be up to 6 digits"),
        ('[telephony]\nextension = "12/3"\n', ":2: telephony.extension: must be letters"),
        ('[telephony]\ncommand = "dial {e164}"\n', ":2: telephony.command: must be a list"),
        (
            '[telephony]\ncommand = ["dial", "{number}"]\n',
            ":2: telephony.command: unknown placeholder {number}",
        ),
        ('[telephony]\nbackend = "command"\n', "telephony.command: is needed for backend"),
        (
            '[telephony]\nbackend = "command"\ncommand = ["softphone"]\n',
            ":3: telephony.command: never gets the number",
        ),
        ("[telephony]\ndial_timeout = 0\n", ":2: telephony.dial_timeout: must be a number of"),
        ('[telephony]\nconnect_timeout = "5"\n', ":2: telephony.connect_timeout: must be a number"),
        ("[telephony]\nfritzbox = 1\n", "telephony.fritzbox: must be a table"),
        (
            '[telephony]\nbackend = "none"\n\n[telephony.fritzbox]\nhost = "x"\nport = 70000\n',
            ":6: telephony.fritzbox.port: must be a port number",
        ),
        (
            '[telephony.fritzbox]\ntls = "yes"\n',
            ":2: telephony.fritzbox.tls: must be true or false",
        ),
        ('[telephony.fritzbox]\nhost = ""\n', ":2: telephony.fritzbox.host: must not be empty"),
        ("[telephony.fritzbox]\nuser = 7\n", ":2: telephony.fritzbox.user: must be a string"),
        ('[telephony.fritzbox]\npin = "1"\n', ":2: telephony.fritzbox.pin: unknown setting"),
        (
            '[telephony]\nbackend = "asterisk"\n\n[telephony.asterisk]\nuser = "crm"\n',
            ":4: telephony.asterisk.secret: the Asterisk backend and monitor need user and secret",
        ),
        (
            '[telephony.asterisk]\ncontext = "a\\nAction: Command"\n',
            ":2: telephony.asterisk.context: must not contain line breaks",
        ),
        (
            '[telephony.asterisk]\nchannel = "PJSIP/{e164}"\n',
            ":2: telephony.asterisk.channel: unknown placeholder {e164}",
        ),
        ('[telephony]\nbackend = "http"\n', "telephony.http.url: is needed for backend"),
        (
            '[telephony.http]\nurl = "ftp://phone/{dial}"\n',
            ":2: telephony.http.url: must start with http:// or https://",
        ),
        (
            '[telephony.http]\nurl = "http://phone/dial"\n',
            ":2: telephony.http.url: never gets the number",
        ),
    ],
)
def test_bad_telephony_values_name_file_line_and_key(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_settings(path)
    assert raised.value.msg.startswith(str(path))
    assert expected in raised.value.msg
    assert raised.value.exit_code == 2


def test_the_line_is_found_in_the_right_sub_table(tmp_path: Path) -> None:
    text = (
        '[telephony.fritzbox]\nhost = "box"\nport = 49000\n\n'
        '[telephony.asterisk]\nhost = "pbx"\nport = 0\n'
    )
    with pytest.raises(ConfigError, match=r":7: telephony\.asterisk\.port:"):
        load_settings(write(tmp_path, text))
