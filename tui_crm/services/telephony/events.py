"""Protocol-neutral call events, listener states, and the tracker that turns one into calls.

A listener (:mod:`.fritz_monitor`, :mod:`.ami`) reads its protocol into :class:`CallEvent`
rows (``ring``, ``call``, ``connect``, ``disconnect``), feeds them to a :class:`CallTracker`,
and hands the resulting :class:`CallUpdate` rows and its own :class:`ListenerState` changes
to one callback. The UI passes a callback that forwards to its thread (``call_from_thread``)
or puts into a queue; both event types are frozen and safe to pass between threads.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from tui_crm.i18n import _

RAW_KINDS = ("ring", "call", "connect", "disconnect")
"""Kinds of :class:`CallEvent`: incoming ring, outgoing call, connected, ended."""

UPDATE_KINDS = ("ringing", "dialling", "answered", "missed", "ended")
"""Kinds of :class:`CallUpdate`."""

STATUSES = ("connecting", "connected", "reconnecting", "failed", "stopped")
"""Kinds of :class:`ListenerState`: ``failed`` needs the user (wrong password); the listener
still retries at the longest backoff."""

FORGET_AFTER = timedelta(hours=12)
"""A call the tracker heard nothing of for this long is dropped (its end was missed)."""


@dataclass(frozen=True, slots=True)
class CallEvent:
    """One call-monitor line or AMI event, protocol-neutral."""

    kind: str
    """One of :data:`RAW_KINDS`."""
    call_id: str
    """The id the PBX gives the call (FRITZ!Box connection id, Asterisk Linkedid)."""
    at: datetime
    """When it happened (the PBX's clock where it reports one)."""
    remote: str = ""
    """The other party's number as reported ('' when withheld)."""
    local: str = ""
    """Our number called, or our extension that calls."""
    line: str = ""
    """The line or trunk (``SIP0``), informational."""
    duration_seconds: int | None = None
    """``disconnect``: connected time as reported by the PBX, if it does."""
    source: str = ""
    """``fritzbox`` or ``asterisk``."""


@dataclass(frozen=True, slots=True)
class CallUpdate:
    """A change of a call the UI reacts to: pop up the caller, log the end, list missed ones."""

    kind: str
    """One of :data:`UPDATE_KINDS`: ``ringing`` (incoming, pop up the caller card),
    ``dialling`` (outgoing), ``answered``, ``missed`` (incoming, ended unanswered: record
    it with :func:`~.journal.record_missed`), ``ended`` (a connected call hung up: offer the
    one-step log with :attr:`duration_seconds`)."""
    call_id: str
    """The PBX's id of the call."""
    direction: str
    """``in`` or ``out``."""
    remote: str
    """The other party's number as the PBX reported it ('' when withheld)."""
    local: str
    """Our number or extension."""
    started_at: datetime
    """When it rang or was dialled."""
    connected_at: datetime | None = None
    """When it was answered."""
    ended_at: datetime | None = None
    """When it ended."""
    duration_seconds: int | None = None
    """Connected time, for ``ended``."""
    source: str = ""
    """``fritzbox`` or ``asterisk``."""


@dataclass(frozen=True, slots=True)
class ListenerState:
    """How a listener's connection stands, for the status bar."""

    source: str
    """``fritzbox`` or ``asterisk``."""
    status: str
    """One of :data:`STATUSES`."""
    address: str = ""
    """``host:port`` listened to."""
    reason: str = ""
    """Why it is not connected (translated), empty when connected."""
    retry_in: float | None = None
    """Seconds until the next attempt, when reconnecting or failed."""


def status_line(state: ListenerState) -> str:
    """One line for the status bar: ``FRITZ!Box: connected``, ``Asterisk: reconnecting in
    4 s (…)``."""
    source = {"fritzbox": _("FRITZ!Box"), "asterisk": _("Asterisk")}.get(state.source, state.source)
    if state.status == "connected":
        return _("{source}: connected").format(source=source)
    if state.status == "connecting":
        return _("{source}: connecting to {address} …").format(source=source, address=state.address)
    if state.status == "stopped":
        return _("{source}: off").format(source=source)
    wait = f"{state.retry_in:.0f}" if state.retry_in is not None else "?"
    if state.status == "failed":
        return _("{source}: failed ({reason}); next try in {seconds} s").format(
            source=source, reason=state.reason, seconds=wait
        )
    return _("{source}: reconnecting in {seconds} s ({reason})").format(
        source=source, reason=state.reason, seconds=wait
    )


TelephonyEvent = CallUpdate | ListenerState
"""What a listener hands to its callback."""


@dataclass(slots=True)
class _Call:
    direction: str
    remote: str
    local: str
    started_at: datetime
    source: str
    connected_at: datetime | None = None
    seen: datetime = field(default_factory=datetime.now)


class CallTracker:
    """Follows calls by id and reports :class:`CallUpdate` rows; not thread-safe (one per
    listener thread)."""

    def __init__(self) -> None:
        self._calls: dict[str, _Call] = {}

    def clear(self) -> None:
        """Forget every call (after a lost connection the ends will never be heard)."""
        self._calls.clear()

    def feed(self, event: CallEvent) -> list[CallUpdate]:
        """The updates ``event`` causes (none for repeats, such as a ring group ringing)."""
        self._forget_stale(event.at)
        call = self._calls.get(event.call_id)
        if event.kind in ("ring", "call"):
            if call is not None:
                return []
            direction = "in" if event.kind == "ring" else "out"
            call = _Call(direction, event.remote, event.local, event.at, event.source)
            call.seen = event.at
            self._calls[event.call_id] = call
            return [self._update("ringing" if direction == "in" else "dialling", event, call)]
        if call is None:
            return []
        call.seen = event.at
        if event.kind == "connect":
            if call.connected_at is not None:
                return []
            call.connected_at = event.at
            if event.local and call.direction == "in":
                call.local = event.local
            return [self._update("answered", event, call)]
        if event.kind == "disconnect":
            del self._calls[event.call_id]
            if call.connected_at is None:
                if call.direction == "in":
                    return [replace(self._update("missed", event, call), ended_at=event.at)]
                return [replace(self._update("ended", event, call), ended_at=event.at)]
            duration = event.duration_seconds
            if duration is None:
                duration = max(0, int((event.at - call.connected_at).total_seconds()))
            return [
                replace(
                    self._update("ended", event, call),
                    ended_at=event.at,
                    duration_seconds=duration,
                )
            ]
        return []

    def _update(self, kind: str, event: CallEvent, call: _Call) -> CallUpdate:
        return CallUpdate(
            kind=kind,
            call_id=event.call_id,
            direction=call.direction,
            remote=call.remote,
            local=call.local,
            started_at=call.started_at,
            connected_at=call.connected_at,
            source=call.source or event.source,
        )

    def _forget_stale(self, moment: datetime) -> None:
        stale = [key for key, call in self._calls.items() if moment - call.seen > FORGET_AFTER]
        for key in stale:
            del self._calls[key]
