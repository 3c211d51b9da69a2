"""Caller pop-up benchmark: from a call monitor's RING line to the painted pop-up with the card.

Usage::

    python bench/bench_incoming.py [--db FILE] [--rings N] [--warmup W] [--seed S]
                                   [--timeout SECONDS]

Opens the database read-only (``mode=ro``; default ``/tmp/big/demo-1m.sqlite``, a million
customers) and runs the real :class:`~tui_crm.app.CrmApp` headless (``App.run_test``, 120x36)
with a :class:`~tui_crm.screens.calls.CallController` listening to a loopback FRITZ!Box call
monitor on 127.0.0.1. Each ring sends one ``RING`` line for a random stored German number (as
the box reports it, national) and stops the clock at the first frame the compositor hands to
the display that shows the :class:`~tui_crm.screens.calls.IncomingCallModal` of that call
with its lookup (card, candidates or unknown) filled in; the frame is turned into terminal
output (``render_segments``) before the clock stops, as in ``bench_inquiry``. The figure
covers the socket, the listener thread, the hand-over to the UI thread, the push, the thread
worker's lookup, layout and rendering. No ``DISCONNECT`` is sent: a missed call would be
written, and the database is read-only.

Figures, one JSON line each on stdout: ``incoming_popup_first`` (the first ring of a session,
which also parses the pop-up's CSS), ``incoming_popup_{p50,p95,max}`` over the counted rings
after ``--warmup`` (ms, goal 200), and ``incoming_popup_cards`` (how many rings found exactly
one customer). Percentiles by nearest rank.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import emit, ms, percentile

DEFAULT_DB = Path("/tmp/big/demo-1m.sqlite")
"""The million-customer demo database."""

GOAL_MS = 200
"""The pop-up must show the caller within a fifth of a second."""

SIZE = (120, 36)
"""Terminal size of the headless app."""


def say(message: str) -> None:
    """Progress on stderr."""
    print(f"bench_incoming: {message}", file=sys.stderr, flush=True)


class LoopbackMonitor:
    """A FRITZ!Box call monitor on 127.0.0.1: accepts clients, sends them lines."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.server.getsockname()[1])
        self.clients: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _address = self.server.accept()
            except OSError:
                return
            with self._lock:
                self.clients.append(client)

    def ring(self, call_id: int, caller: str) -> None:
        """Send ``RING`` for ``caller`` to every client."""
        stamp = datetime.now().strftime("%d.%m.%y %H:%M:%S")
        line = f"{stamp};RING;{call_id};{caller};883300;SIP0;\r\n".encode("latin-1")
        with self._lock:
            for client in self.clients:
                with contextlib.suppress(OSError):
                    client.sendall(line)

    def close(self) -> None:
        """Close the server and the clients."""
        with contextlib.suppress(OSError):
            self.server.close()
        with self._lock:
            for client in self.clients:
                with contextlib.suppress(OSError):
                    client.close()


def open_read_only(path: Path) -> None:
    """Bind the models to ``path`` opened read-only (thread workers open their own)."""
    from peewee import SqliteDatabase

    from tui_crm.db.connection import db

    database = SqliteDatabase(
        f"file:{path}?mode=ro",
        uri=True,
        pragmas={"cache_size": -64_000, "temp_store": 2},
        check_same_thread=False,
    )
    database.connect()
    db.initialize(database)


def sample_callers(count: int, seed: int) -> list[str]:
    """``count`` random stored German numbers, national as the box reports them."""
    from tui_crm.db.models import Phone

    highest = int(Phone.select(Phone.id).order_by(Phone.id.desc()).limit(1).scalar() or 0)
    rng = random.Random(seed)
    callers: list[str] = []
    while len(callers) < count:
        ids = [rng.randint(1, highest) for _ in range(count * 2)]
        rows = Phone.select(Phone.e164).where(Phone.id.in_(ids), Phone.e164.startswith("+49"))
        callers += ["0" + str(e164)[3:] for (e164,) in rows.tuples()]
    return callers[:count]


async def time_rings(
    path: Path, callers: list[str], clerk: int, timeout: float
) -> tuple[list[float], int]:
    """Ring once per caller; return the seconds to each painted pop-up and the cards found."""
    from textual.screen import Screen

    from tui_crm.app import CrmApp
    from tui_crm.config import FritzBoxSettings, Settings, TelephonySettings
    from tui_crm.screens.calls import CallController, IncomingCallModal
    from tui_crm.services.telephony.callerid import CallerCard

    class TimedApp(CrmApp):
        """CrmApp that notes the first frame showing the expected call's looked-up pop-up."""

        expected = ""
        """The call id whose pop-up the next frame must show."""
        painted: asyncio.Event | None = None
        """Set at that frame."""
        painted_at = 0.0
        """When that frame was rendered."""

        def _display(self, screen: Screen[Any], renderable: Any) -> None:
            super()._display(screen, renderable)
            if (
                self.painted is not None
                and not self.painted.is_set()
                and renderable is not None
                and not self._batch_count
                and isinstance(screen, IncomingCallModal)
                and screen.call_id == self.expected
                and screen.lookup is not None
            ):
                render = getattr(renderable, "render_segments", None)
                if render is not None:
                    render(self.console)
                self.painted_at = time.perf_counter()
                self.painted.set()

    monitor = LoopbackMonitor()
    telephony = TelephonySettings(
        monitor="fritzbox",
        fritzbox=FritzBoxSettings(host="127.0.0.1", monitor_port=monitor.port),
    )
    settings = Settings(database=str(path), clerk="bench", language="en", telephony=telephony)
    app = TimedApp(settings, clerk)
    times: list[float] = []
    cards = 0
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            calls = CallController(app, settings)
            app.calls = calls  # type: ignore[attr-defined]
            calls.start_listener()
            deadline = time.monotonic() + timeout
            while not calls.status.endswith("connected") or not monitor.clients:
                if time.monotonic() > deadline:
                    raise SystemExit(f"bench_incoming: no connection: {calls.status}")
                await pilot.pause(0.01)
            for index, caller in enumerate(callers, start=1):
                app.expected = str(index)
                app.painted = asyncio.Event()
                started = time.perf_counter()
                monitor.ring(index, caller)
                await asyncio.wait_for(app.painted.wait(), timeout)
                times.append(app.painted_at - started)
                screen = app.screen
                if isinstance(screen, IncomingCallModal):
                    cards += isinstance(screen.lookup, CallerCard)
                    screen.dismiss(None)
                await app.workers.wait_for_complete()
                await pilot.pause()
            calls.stop()
    finally:
        monitor.close()
    return times, cards


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options, ring, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, metavar="FILE")
    parser.add_argument("--rings", type=int, default=30, metavar="N", help="rings counted")
    parser.add_argument("--warmup", type=int, default=2, metavar="W", help="uncounted rings")
    parser.add_argument("--seed", type=int, default=1, metavar="S")
    parser.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS")
    args = parser.parse_args(argv)
    if args.rings < 1 or args.warmup < 1:
        parser.error("--rings and --warmup must be at least 1")
    if not args.db.exists():
        raise SystemExit(f"bench_incoming: no database at {args.db} (tui-crm demo builds one)")

    with tempfile.TemporaryDirectory(prefix="tui-crm-bench-") as folder:
        os.environ.update(
            TUI_CRM_CONFIG_DIR=str(Path(folder) / "config"),
            TUI_CRM_DATA_DIR=str(Path(folder) / "data"),
            TEXTUAL_CURSOR_BLINK="0",
        )
        from tui_crm import i18n

        i18n.setup("en")
        from tui_crm.db.models import Clerk

        open_read_only(args.db)
        clerk = Clerk.select(Clerk.id).order_by(Clerk.id).limit(1).scalar()
        if clerk is None:
            raise SystemExit("bench_incoming: the database has no clerk")
        callers = sample_callers(args.warmup + args.rings, args.seed)
        say(f"{len(callers)} rings on {args.db}")
        times, cards = asyncio.run(time_rings(args.db, callers, int(clerk), args.timeout))
    counted = times[args.warmup :]
    emit("incoming_popup_first", ms(times[0]), "ms", GOAL_MS)
    for name, share in (("p50", 0.5), ("p95", 0.95)):
        emit(f"incoming_popup_{name}", ms(percentile(counted, share)), "ms", GOAL_MS)
    emit("incoming_popup_max", ms(max(counted)), "ms", GOAL_MS, rings=len(counted))
    emit("incoming_popup_cards", cards, "rings", None, rings=len(times))
    return 0


if __name__ == "__main__":
    sys.exit(main())
