"""Dial backends against loopback fakes of the real protocols: each failure a clear error."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import pytest

from tests.fakes.ami import FakeAmi
from tests.fakes.argv_recorder import recorder
from tests.fakes.http_phone import FakeHttpPhone
from tests.fakes.silent import Greeter, SilentServer, closed_port
from tests.fakes.tr064 import FakeTr064
from tui_crm.config import (
    AsteriskSettings,
    FritzBoxSettings,
    HttpSettings,
    Settings,
    TelephonySettings,
)
from tui_crm.errors import ValidationError
from tui_crm.services.phones import NumberPlan
from tui_crm.services.telephony.dialers import (
    AsteriskDialer,
    CommandDialer,
    DialTarget,
    FritzBoxDialer,
    HttpDialer,
    NoDialer,
    make_dialer,
    target_for,
)
from tui_crm.services.telephony.errors import (
    DialFailed,
    NotConfigured,
    PbxRefused,
    PbxTimeout,
    PbxUnreachable,
    TelephonyError,
)

PBX = NumberPlan("DE", outside_line_prefix="0", area_code="7755")
TARGET = target_for("+497755883334", PBX, name="Hans Müller")
FAST = {"connect_timeout": 1.0, "dial_timeout": 1.0}


def test_a_target_has_every_form_of_the_number() -> None:
    assert (TARGET.e164, TARGET.national, TARGET.dial, TARGET.display) == (
        "+497755883334",
        "07755883334",
        "007755883334",
        "07755 883334",
    )


def test_no_backend_says_what_to_show_big_and_copyable() -> None:
    outcome = NoDialer().dial(TARGET)
    assert not outcome.placed
    assert outcome.show == "07755 883334"
    assert outcome.copy == "07755883334"
    assert "07755 883334" in outcome.message


# command -----------------------------------------------------------------------------------


def test_the_command_gets_each_placeholder_in_its_own_argument(tmp_path: Path) -> None:
    script, out = recorder(tmp_path)
    dialer = CommandDialer((str(script), "--call", "{e164}", "n={national}", "{dial}"), 5)
    outcome = dialer.dial(TARGET)
    assert outcome.placed
    assert json.loads(out.read_text()) == [
        "--call",
        "+497755883334",
        "n=07755883334",
        "007755883334",
    ]


def test_a_stored_number_with_shell_metacharacters_injects_nothing(tmp_path: Path) -> None:
    script, out = recorder(tmp_path)
    pwned = tmp_path / "pwned"
    evil = f"+49221123456; touch {pwned} $(touch {pwned}) `touch {pwned}` | touch {pwned}"
    # target_for refuses it: a damaged stored number is never dialled …
    with pytest.raises(ValidationError):
        target_for(evil, PBX)
    # … and were it to reach the command anyway, it is one literal argument, no shell.
    target = replace(TARGET, e164=evil)
    CommandDialer((str(script), "{e164}"), 5).dial(target)
    assert json.loads(out.read_text()) == [evil]
    assert not pwned.exists()


def test_a_missing_command_is_unreachable(tmp_path: Path) -> None:
    with pytest.raises(PbxUnreachable, match="not found"):
        CommandDialer((str(tmp_path / "no-such-softphone"), "{e164}"), 5).dial(TARGET)


def test_a_failing_command_reports_its_status_and_message(tmp_path: Path) -> None:
    script, _out = recorder(tmp_path, status=3)
    with pytest.raises(DialFailed, match=r"exit status 3\): line busy"):
        CommandDialer((str(script), "{e164}"), 5).dial(TARGET)


def test_a_command_that_hangs_times_out(tmp_path: Path) -> None:
    script, _out = recorder(tmp_path, sleep=10)
    started = time.monotonic()
    with pytest.raises(PbxTimeout, match="did not finish"):
        CommandDialer((str(script), "{e164}"), 0.5).dial(TARGET)
    assert time.monotonic() - started < 5


def test_an_empty_command_is_not_configured() -> None:
    with pytest.raises(NotConfigured):
        CommandDialer((), 5)


# FRITZ!Box (TR-064) ------------------------------------------------------------------------


def fritz(port: int, password: str = "box-pw", **timeouts: float) -> FritzBoxDialer:
    box = FritzBoxSettings(host="127.0.0.1", port=port, user="crm", password=password)
    return FritzBoxDialer(TelephonySettings(backend="fritzbox", fritzbox=box, **(FAST | timeouts)))


def test_the_fritzbox_dials_the_national_number() -> None:
    with FakeTr064() as box:
        dialer = fritz(box.port)
        try:
            outcome = dialer.dial(TARGET)
            assert outcome.placed
            assert box.dialled == ["07755883334"]
            dialer.dial(target_for("+442079460958", PBX))  # the kept connection
            assert box.dialled == ["07755883334", "00442079460958"]
        finally:
            dialer.close()


def test_a_wrong_fritzbox_password_is_refused() -> None:
    with FakeTr064() as box, pytest.raises(PbxRefused, match="refused the user or password"):
        fritz(box.port, password="wrong").dial(TARGET)
    assert box.dialled == []


def test_the_dialling_aid_switched_off() -> None:
    with FakeTr064(error="501") as box, pytest.raises(DialFailed, match="dialling aid"):
        fritz(box.port).dial(TARGET)


def test_an_unreachable_fritzbox() -> None:
    with pytest.raises(PbxUnreachable, match="Cannot reach the FRITZ!Box"):
        fritz(closed_port()).dial(TARGET)


def test_a_fritzbox_that_does_not_answer_times_out() -> None:
    with SilentServer() as silent:
        started = time.monotonic()
        with pytest.raises(PbxTimeout, match="did not answer"):
            fritz(silent.port, dial_timeout=0.5).dial(TARGET)
        assert time.monotonic() - started < 5


# Asterisk (AMI) ----------------------------------------------------------------------------


def asterisk(port: int, secret: str = "s3cret", **options: float) -> AsteriskDialer:
    settings = AsteriskSettings(
        host="127.0.0.1",
        port=port,
        user="crm",
        secret=secret,
        channel="PJSIP/{extension}",
        context="from-internal",
        ring_timeout=float(options.pop("ring_timeout", 2.0)),
    )
    return AsteriskDialer(
        TelephonySettings(backend="asterisk", asterisk=settings, **(FAST | options))
    )


def test_asterisk_rings_the_clerks_phone_then_dials() -> None:
    with FakeAmi() as pbx:
        outcome = asterisk(pbx.port).dial(TARGET, extension="12")
        deadline = time.monotonic() + 5
        while not any(action["Action"] == "Logoff" for action in pbx.actions):
            assert time.monotonic() < deadline, pbx.actions
            time.sleep(0.01)
    assert outcome.placed
    assert outcome.call_id == "1700000000.42"
    actions = {action["Action"]: action for action in pbx.actions}
    assert actions["Login"]["Username"] == "crm"
    assert actions["Login"]["Events"] == "call"
    originate = actions["Originate"]
    assert originate["Channel"] == "PJSIP/12"
    assert originate["Exten"] == "007755883334"
    assert originate["Context"] == "from-internal"
    assert originate["Async"] == "true"
    assert originate["Timeout"] == "2000"
    assert originate["CallerID"] == "Hans Müller <007755883334>"
    assert originate["Variable"] == "CRM_NUMBER=+497755883334"
    assert "Logoff" in actions


def test_a_wrong_ami_secret_is_refused() -> None:
    with FakeAmi() as pbx, pytest.raises(PbxRefused, match="refused the AMI user crm"):
        asterisk(pbx.port, secret="wrong").dial(TARGET, extension="12")
    assert [action["Action"] for action in pbx.actions] == ["Login"]


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("busy", r"did not take the call \(busy\)"),
        ("no answer", "no answer"),
        ("refuse", "refused"),
    ],
)
def test_asterisk_reports_why_the_call_did_not_start(mode: str, message: str) -> None:
    with FakeAmi(originate=mode) as pbx, pytest.raises(DialFailed, match=message):
        asterisk(pbx.port).dial(TARGET, extension="12")


def test_asterisk_that_never_reports_the_outcome_times_out() -> None:
    with FakeAmi(originate="silent") as pbx:
        started = time.monotonic()
        with pytest.raises(PbxTimeout, match="whether your phone answered"):
            asterisk(pbx.port, ring_timeout=0.3, dial_timeout=0.3).dial(TARGET, extension="12")
        assert time.monotonic() - started < 5


def test_an_unreachable_or_foreign_or_mute_ami() -> None:
    with pytest.raises(PbxUnreachable, match="Cannot reach Asterisk"):
        asterisk(closed_port()).dial(TARGET, extension="12")
    with (
        Greeter("SSH-2.0-OpenSSH_9.6") as ssh,
        pytest.raises(PbxUnreachable, match="not an Asterisk"),
    ):
        asterisk(ssh.port).dial(TARGET, extension="12")
    with SilentServer() as silent, pytest.raises(PbxTimeout, match="did not greet"):
        asterisk(silent.port, dial_timeout=0.3).dial(TARGET, extension="12")


def test_asterisk_needs_the_clerks_extension() -> None:
    with pytest.raises(NotConfigured, match="extension"):
        asterisk(closed_port()).dial(TARGET)


def test_no_ami_header_can_be_smuggled_in() -> None:
    with FakeAmi() as pbx:
        with pytest.raises(DialFailed, match="line break"):
            asterisk(pbx.port).dial(TARGET, extension="12\r\nAction: Command")
        evil = replace(TARGET, name="X\r\nAction: Command\r\nCommand: core stop now")
        asterisk(pbx.port).dial(evil, extension="12")
    assert [action["Action"] for action in pbx.actions].count("Command") == 0
    originate = next(action for action in pbx.actions if action["Action"] == "Originate")
    assert originate["CallerID"] == "X Action: Command Command: core stop now <007755883334>"


# HTTP action URL ---------------------------------------------------------------------------


def http(url: str, user: str = "", password: str = "", **timeouts: float) -> HttpDialer:
    settings = HttpSettings(url=url, user=user, password=password)
    return HttpDialer(TelephonySettings(backend="http", http=settings, **(FAST | timeouts)))


def test_a_snom_action_url_gets_the_number_encoded() -> None:
    with FakeHttpPhone() as phone:
        http(phone.url("/command.htm?number={dial}&e={e164}")).dial(TARGET)
    assert phone.requests == ["/command.htm?number=007755883334&e=%2B497755883334"]


@pytest.mark.parametrize("auth", ["basic", "digest"])
def test_phone_credentials(auth: str) -> None:
    with FakeHttpPhone(auth=auth) as phone:
        url = phone.url("/servlet?key=number={dial}")
        http(url, "admin", "pw").dial(TARGET)
        assert phone.requests == ["/servlet?key=number=007755883334"]
        with pytest.raises(PbxRefused, match="HTTP 401"):
            http(url, "admin", "wrong").dial(TARGET)
        with pytest.raises(PbxRefused):
            http(url).dial(TARGET)
    assert len(phone.requests) == 1


def test_a_grandstream_url_with_the_password_in_it() -> None:
    with FakeHttpPhone() as phone:
        url = phone.url("/cgi-bin/api-make_call?phonenumber={dial}&account=0&password={password}")
        http(url, password="p&w d").dial(TARGET)
    assert phone.requests == [
        "/cgi-bin/api-make_call?phonenumber=007755883334&account=0&password=p%26w%20d"
    ]


def test_a_phone_error_status_and_an_unreachable_and_a_slow_phone() -> None:
    with FakeHttpPhone(status=500) as phone, pytest.raises(DialFailed, match="HTTP 500"):
        http(phone.url("/command.htm?number={dial}")).dial(TARGET)
    with pytest.raises(PbxUnreachable, match="Cannot reach the phone"):
        http(f"http://127.0.0.1:{closed_port()}/dial?n={{dial}}").dial(TARGET)
    with FakeHttpPhone(delay=5) as phone:
        started = time.monotonic()
        with pytest.raises(PbxTimeout, match="did not answer within"):
            http(phone.url("/dial?n={dial}"), dial_timeout=0.3).dial(TARGET)
        assert time.monotonic() - started < 4


def test_the_error_message_never_shows_the_password() -> None:
    with FakeHttpPhone(status=404) as phone, pytest.raises(DialFailed) as raised:
        http(phone.url("/x?n={dial}&pw={password}"), password="topsecret").dial(TARGET)
    assert "topsecret" not in raised.value.msg


# Choosing the backend ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("telephony", "kind"),
    [
        (TelephonySettings(), NoDialer),
        (TelephonySettings(backend="command", command=("x", "{e164}")), CommandDialer),
        (TelephonySettings(backend="fritzbox"), FritzBoxDialer),
        (TelephonySettings(backend="asterisk"), AsteriskDialer),
        (TelephonySettings(backend="http"), HttpDialer),
    ],
)
def test_make_dialer_follows_the_backend(telephony: TelephonySettings, kind: type) -> None:
    assert isinstance(make_dialer(Settings(telephony=telephony)), kind)


def test_every_dial_error_is_a_telephony_error_for_the_ui() -> None:
    for kind in (PbxUnreachable, PbxRefused, PbxTimeout, DialFailed, NotConfigured):
        assert issubclass(kind, TelephonyError)
    assert isinstance(TARGET, DialTarget)
