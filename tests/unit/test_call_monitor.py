"""Caller-ID listeners against a fake FRITZ!Box call monitor and a fake Asterisk AMI."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest

from tests.fakes.ami import FakeAmi
from tests.fakes.call_monitor import FakeCallMonitor
from tests.fakes.silent import closed_port
from tui_crm.config import AsteriskSettings, FritzBoxSettings, Settings, TelephonySettings
from tui_crm.services.telephony.ami import AmiListener
from tui_crm.services.telephony.events import (
    CallEvent,
    CallTracker,
    CallUpdate,
    ListenerState,
    TelephonyEvent,
)
from tui_crm.services.telephony.fritz_monitor import FritzMonitor, parse_line
from tui_crm.services.telephony.listener import Listener, make_listener

T0 = datetime(2025, 11, 28, 15, 17, 43)
FAST = {"connect_timeout": 1.0, "first_retry": 0.05, "longest_retry": 0.2}


class Events:
    """Collects what a listener reports, from its thread."""

    def __init__(self) -> None:
        self.queue: queue.Queue[TelephonyEvent] = queue.Queue()
        self.seen: list[TelephonyEvent] = []

    def __call__(self, event: TelephonyEvent) -> None:
        self.queue.put(event)

    def wait(
        self, accept: Callable[[TelephonyEvent], bool], timeout: float = 5.0
    ) -> TelephonyEvent:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"not reported within {timeout} s; saw {self.seen}")
            try:
                event = self.queue.get(timeout=left)
            except queue.Empty:
                continue
            self.seen.append(event)
            if accept(event):
                return event

    def update(self, kind: str) -> CallUpdate:
        found = self.wait(lambda event: isinstance(event, CallUpdate) and event.kind == kind)
        assert isinstance(found, CallUpdate)
        return found

    def state(self, status: str) -> ListenerState:
        found = self.wait(lambda event: isinstance(event, ListenerState) and event.status == status)
        assert isinstance(found, ListenerState)
        return found


@pytest.fixture
def box() -> Iterator[FakeCallMonitor]:
    with FakeCallMonitor() as fake:
        yield fake


@pytest.fixture
def events() -> Events:
    return Events()


def running(listener: Listener) -> Listener:
    listener.start()
    return listener


@pytest.fixture
def monitor(box: FakeCallMonitor, events: Events) -> Iterator[Listener]:
    listener = running(FritzMonitor("127.0.0.1", box.port, events, **FAST))
    events.state("connected")
    assert box.wait_for_clients(1)
    yield listener
    listener.stop()
    assert listener._thread is not None
    assert not listener._thread.is_alive()


# Parsing and tracking ----------------------------------------------------------------------


def test_call_monitor_lines() -> None:
    assert parse_line("28.11.25 15:17:43;RING;0;07755883334;883300;SIP0;") == CallEvent(
        "ring", "0", T0, "07755883334", "883300", "SIP0", source="fritzbox"
    )
    assert parse_line("28.11.25 15:18:01;CALL;1;10;883300;0221123456;SIP1;") == CallEvent(
        "call",
        "1",
        T0.replace(second=1, minute=18),
        "0221123456",
        "10",
        "SIP1",
        source="fritzbox",
    )
    assert parse_line("28.11.25 15:17:50;CONNECT;0;10;07755883334;") == CallEvent(
        "connect", "0", T0.replace(second=50), "07755883334", "10", source="fritzbox"
    )
    assert parse_line("28.11.25 15:19:12;DISCONNECT;0;82;") == CallEvent(
        "disconnect",
        "0",
        datetime(2025, 11, 28, 15, 19, 12),
        duration_seconds=82,
        source="fritzbox",
    )
    withheld = parse_line("28.11.25 15:17:43;RING;2;;883300;SIP0;")
    assert withheld is not None
    assert withheld.remote == ""


@pytest.mark.parametrize(
    "line", ["", "garbage", "99.99.99 99:99:99;RING;0;1;2;SIP0;", "28.11.25 15:17:43;HOLD;0;1;"]
)
def test_lines_that_are_none_are_skipped(line: str) -> None:
    assert parse_line(line) is None


def test_the_tracker_turns_events_into_calls() -> None:
    tracker = CallTracker()
    ring = CallEvent("ring", "0", T0, "07755883334", "883300")
    [ringing] = tracker.feed(ring)
    assert (ringing.kind, ringing.direction, ringing.remote) == ("ringing", "in", "07755883334")
    assert tracker.feed(ring) == []  # a ring group rings again: one pop-up
    [answered] = tracker.feed(CallEvent("connect", "0", T0 + timedelta(seconds=5), local="10"))
    assert (answered.kind, answered.local) == ("answered", "10")
    [ended] = tracker.feed(CallEvent("disconnect", "0", T0 + timedelta(seconds=65)))
    assert (ended.kind, ended.duration_seconds, ended.connected_at) == (
        "ended",
        60,
        T0 + timedelta(seconds=5),
    )
    tracker.feed(CallEvent("ring", "1", T0, "0221123456", "883300"))
    [missed] = tracker.feed(CallEvent("disconnect", "1", T0 + timedelta(seconds=20)))
    assert (missed.kind, missed.remote, missed.started_at) == ("missed", "0221123456", T0)
    [dialling] = tracker.feed(CallEvent("call", "2", T0, "0221123456", "10"))
    assert dialling.direction == "out"
    [unanswered] = tracker.feed(CallEvent("disconnect", "2", T0 + timedelta(seconds=9)))
    assert unanswered.kind == "ended"
    assert unanswered.duration_seconds is None
    assert tracker.feed(CallEvent("disconnect", "99", T0)) == []


def test_the_tracker_prefers_the_reported_duration_and_forgets_stale_calls() -> None:
    tracker = CallTracker()
    tracker.feed(CallEvent("ring", "0", T0, "1"))
    tracker.feed(CallEvent("connect", "0", T0))
    [ended] = tracker.feed(
        CallEvent("disconnect", "0", T0 + timedelta(seconds=90), duration_seconds=82)
    )
    assert ended.duration_seconds == 82
    tracker.feed(CallEvent("ring", "5", T0, "1"))
    tracker.feed(CallEvent("ring", "6", T0 + timedelta(days=1), "2"))
    assert tracker.feed(CallEvent("disconnect", "5", T0 + timedelta(days=1))) == []


# FRITZ!Box call monitor --------------------------------------------------------------------


def test_a_ring_reaches_the_callback(
    box: FakeCallMonitor, events: Events, monitor: Listener
) -> None:
    assert box.ring(T0, 0, "07755883334") == 1
    ringing = events.update("ringing")
    assert (ringing.remote, ringing.local, ringing.started_at, ringing.source) == (
        "07755883334",
        "883300",
        T0,
        "fritzbox",
    )
    assert monitor.state.status == "connected"


def test_a_call_that_rings_and_ends_unanswered_is_missed(
    box: FakeCallMonitor, events: Events, monitor: Listener
) -> None:
    box.ring(T0, 3, "0221123456")
    box.disconnect(T0 + timedelta(seconds=25), 3, 0)
    missed = events.update("missed")
    assert (missed.remote, missed.started_at, missed.ended_at) == (
        "0221123456",
        T0,
        T0 + timedelta(seconds=25),
    )


def test_an_answered_call_ends_with_its_duration(
    box: FakeCallMonitor, events: Events, monitor: Listener
) -> None:
    box.ring(T0, 1, "0221123456")
    box.connect(T0 + timedelta(seconds=4), 1, "10", "0221123456")
    box.disconnect(T0 + timedelta(seconds=90), 1, 86)
    assert events.update("answered").local == "10"
    ended = events.update("ended")
    assert (ended.direction, ended.duration_seconds) == ("in", 86)


def test_an_outgoing_call_is_reported_too(
    box: FakeCallMonitor, events: Events, monitor: Listener
) -> None:
    box.call(T0, 7, "10", "07755883334")
    box.connect(T0 + timedelta(seconds=8), 7, "10", "07755883334")
    box.disconnect(T0 + timedelta(seconds=68), 7, 60)
    dialling = events.update("dialling")
    assert (dialling.direction, dialling.remote, dialling.local) == ("out", "07755883334", "10")
    assert events.update("ended").duration_seconds == 60


def test_a_dropped_connection_is_restored(
    box: FakeCallMonitor, events: Events, monitor: Listener
) -> None:
    box.drop()
    lost = events.state("reconnecting")
    assert lost.reason
    assert lost.retry_in == pytest.approx(0.05)
    events.state("connected")
    assert box.wait_for_clients(1)
    box.ring(T0, 9, "07755883334")
    assert events.update("ringing").call_id == "9"
    assert box.connections == 2


def test_a_box_that_is_away_is_retried_with_backoff_until_it_is_back(
    box: FakeCallMonitor, events: Events, monitor: Listener
) -> None:
    box.pause()
    refused = events.wait(
        lambda event: isinstance(event, ListenerState) and "refused" in event.reason
    )
    assert isinstance(refused, ListenerState)
    assert refused.status == "reconnecting"
    assert "#96*5*" in refused.reason
    waits = [events.wait(lambda event: isinstance(event, ListenerState)).retry_in for _ in range(3)]
    assert waits == sorted(waits)
    assert max(w for w in waits if w is not None) <= 0.2
    box.resume()
    events.state("connected")
    assert box.wait_for_clients(1)
    box.ring(T0, 4, "0221123456")
    assert events.update("ringing").remote == "0221123456"


def test_a_monitor_that_is_off_reports_why(events: Events) -> None:
    listener = running(FritzMonitor("127.0.0.1", closed_port(), events, **FAST))
    try:
        events.state("connecting")
        state = events.state("reconnecting")
        assert "refused" in state.reason
    finally:
        listener.stop()
    assert events.state("stopped").status == "stopped"


def test_stop_ends_the_listener_at_once(box: FakeCallMonitor, events: Events) -> None:
    listener = running(FritzMonitor("127.0.0.1", box.port, events, **FAST))
    events.state("connected")
    started = time.monotonic()
    listener.stop()
    assert time.monotonic() - started < 2
    assert listener.state.status == "stopped"


def test_a_failing_callback_does_not_end_the_listener(box: FakeCallMonitor) -> None:
    seen: list[TelephonyEvent] = []
    connected = threading.Event()

    def handler(event: TelephonyEvent) -> None:
        seen.append(event)
        if isinstance(event, ListenerState) and event.status == "connected":
            connected.set()
        if isinstance(event, CallUpdate):
            raise RuntimeError("the UI is busy")

    listener = running(FritzMonitor("127.0.0.1", box.port, handler, **FAST))
    try:
        assert connected.wait(5)
        assert box.wait_for_clients(1)
        box.ring(T0, 0, "1")
        box.ring(T0, 1, "2")
        deadline = time.monotonic() + 5
        while sum(isinstance(event, CallUpdate) for event in seen) < 2:
            assert time.monotonic() < deadline
            time.sleep(0.01)
    finally:
        listener.stop()


# Asterisk AMI events -----------------------------------------------------------------------


def ami_listener(pbx: FakeAmi, events: Events, **options: object) -> AmiListener:
    return AmiListener(
        "127.0.0.1",
        pbx.port,
        events,
        user=str(options.pop("user", "crm")),
        secret=str(options.pop("secret", "s3cret")),
        extension=str(options.pop("extension", "")),
        ping_every=float(options.pop("ping_every", 20.0)),  # type: ignore[arg-type]
        **FAST,
    )


def dial_begin(pbx: FakeAmi, linked: str, caller: str, exten: str) -> None:
    pbx.event(
        Event="DialBegin",
        Channel=f"PJSIP/trunk-{linked}",
        CallerIDNum=caller,
        Uniqueid=linked,
        Linkedid=linked,
        DestChannel=f"PJSIP/{exten}-0000{linked[-1]}",
        DestCallerIDNum=exten,
        DestExten=exten,
        DestUniqueid=linked + ".1",
        DestLinkedid=linked,
    )


def test_ami_events_become_calls(events: Events) -> None:
    with FakeAmi() as pbx:
        listener = running(ami_listener(pbx, events))
        try:
            events.state("connected")
            assert pbx.wait_for_listeners(1)
            login = next(action for action in pbx.actions if action["Action"] == "Login")
            assert login["Events"] == "call"
            dial_begin(pbx, "1700.1", "07755883334", "12")
            ringing = events.update("ringing")
            assert (ringing.remote, ringing.local, ringing.source) == (
                "07755883334",
                "12",
                "asterisk",
            )
            pbx.event(Event="DialEnd", Linkedid="1700.1", DialStatus="ANSWER", DestCallerIDNum="12")
            assert events.update("answered").local == "12"
            pbx.event(Event="Hangup", Uniqueid="1700.1", Linkedid="1700.1", Cause="16")
            assert events.update("ended").duration_seconds is not None
            dial_begin(pbx, "1700.2", "0221123456", "13")
            pbx.event(Event="DialEnd", Linkedid="1700.2", DialStatus="CANCEL")
            pbx.event(Event="Hangup", Uniqueid="1700.2.1", Linkedid="1700.2")
            pbx.event(Event="Hangup", Uniqueid="1700.2", Linkedid="1700.2")
            assert events.update("missed").remote == "0221123456"
        finally:
            listener.stop()


def test_ami_with_an_extension_reports_only_its_calls(events: Events) -> None:
    with FakeAmi() as pbx:
        listener = running(ami_listener(pbx, events, extension="12"))
        try:
            events.state("connected")
            assert pbx.wait_for_listeners(1)
            dial_begin(pbx, "1.1", "0221111111", "13")  # someone else's phone
            dial_begin(pbx, "1.2", "0221222222", "12")
            assert events.update("ringing").remote == "0221222222"
            pbx.event(
                Event="DialBegin",
                Channel="PJSIP/12-00000001",
                CallerIDNum="12",
                Linkedid="1.3",
                Uniqueid="1.3",
                DestExten="07755883334",
                DestChannel="PJSIP/trunk-1",
            )
            dialling = events.update("dialling")
            assert (dialling.direction, dialling.remote) == ("out", "07755883334")
        finally:
            listener.stop()
    assert not [
        event for event in events.seen if isinstance(event, CallUpdate) and event.call_id == "1.1"
    ]


def test_a_withheld_ami_caller(events: Events) -> None:
    with FakeAmi() as pbx:
        listener = running(ami_listener(pbx, events))
        try:
            events.state("connected")
            assert pbx.wait_for_listeners(1)
            dial_begin(pbx, "2.1", "<unknown>", "12")
            assert events.update("ringing").remote == ""
        finally:
            listener.stop()


def test_a_wrong_ami_password_fails_and_says_so(events: Events) -> None:
    with FakeAmi() as pbx:
        listener = running(ami_listener(pbx, events, secret="wrong"))
        try:
            failed = events.state("failed")
            assert "refused the AMI user crm" in failed.reason
            assert failed.retry_in == pytest.approx(0.2)
        finally:
            listener.stop()
    assert pbx.logins == 0


def test_a_dropped_ami_connection_is_restored(events: Events) -> None:
    with FakeAmi() as pbx:
        listener = running(ami_listener(pbx, events))
        try:
            events.state("connected")
            assert pbx.wait_for_listeners(1)
            pbx.drop()
            events.state("reconnecting")
            events.state("connected")
            assert pbx.wait_for_listeners(1)
            dial_begin(pbx, "3.1", "07755883334", "12")
            assert events.update("ringing").remote == "07755883334"
            assert pbx.logins == 2
        finally:
            listener.stop()


def test_an_ami_that_stops_answering_is_left_and_reconnected(events: Events) -> None:
    with FakeAmi(answer_pings=False) as pbx:
        listener = running(ami_listener(pbx, events, ping_every=0.1))
        try:
            events.state("connected")
            lost = events.state("reconnecting")
            assert "stopped answering" in lost.reason
            events.state("connected")
        finally:
            listener.stop()
    assert any(action["Action"] == "Ping" for action in pbx.actions)


def test_make_listener_follows_the_monitor_setting(events: Events) -> None:
    assert make_listener(Settings(), events) is None
    fritz = make_listener(
        Settings(
            telephony=TelephonySettings(
                monitor="fritzbox", fritzbox=FritzBoxSettings(host="box", monitor_port=1012)
            )
        ),
        events,
    )
    assert isinstance(fritz, FritzMonitor)
    assert fritz.address == "box:1012"
    asterisk = make_listener(
        Settings(
            telephony=TelephonySettings(
                monitor="asterisk",
                extension="12",
                asterisk=AsteriskSettings(host="pbx", user="crm", secret="x"),
            )
        ),
        events,
    )
    assert isinstance(asterisk, AmiListener)
    assert (asterisk.address, asterisk.extension, asterisk.user) == ("pbx:5038", "12", "crm")


def test_status_lines_for_the_status_bar() -> None:
    from tui_crm.services.telephony.events import status_line

    assert status_line(ListenerState("fritzbox", "connected", "box:1012")) == "FRITZ!Box: connected"
    assert (
        status_line(ListenerState("asterisk", "connecting", "pbx:5038"))
        == "Asterisk: connecting to pbx:5038 …"
    )
    assert (
        status_line(ListenerState("fritzbox", "reconnecting", "box:1012", "refused", 4.0))
        == "FRITZ!Box: reconnecting in 4 s (refused)"
    )
    assert (
        status_line(ListenerState("asterisk", "failed", "pbx:5038", "wrong secret", 60.0))
        == "Asterisk: failed (wrong secret); next try in 60 s"
    )
    assert status_line(ListenerState("fritzbox", "stopped")) == "FRITZ!Box: off"
