"""Write transactions on SQLite: the lock waited for by polling, busy transactions retried."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from tui_crm.db.connection import open_database
from tui_crm.db.models import Party
from tui_crm.errors import DatabaseBusy
from tui_crm.services.transactions import retrying, writing


def hold_lock(path: Path, seconds: float) -> threading.Thread:
    """Another connection takes the write lock and releases it after ``seconds``."""
    ready = threading.Event()

    def run() -> None:
        other = sqlite3.connect(path, timeout=0)
        other.execute("BEGIN IMMEDIATE")
        ready.set()
        time.sleep(seconds)
        other.execute("ROLLBACK")
        other.close()

    thread = threading.Thread(target=run)
    thread.start()
    ready.wait()
    return thread


def test_a_write_waits_for_the_lock_and_goes_on_soon_after_it_is_free(db_path: Path) -> None:
    open_database(db_path)
    holder = hold_lock(db_path, 0.3)
    started = time.monotonic()
    with writing():
        Party.insert(number="1").execute()
    waited = time.monotonic() - started
    holder.join()
    assert waited >= 0.28  # it waited for the lock rather than failing
    assert Party.select().count() == 1


def test_a_busy_transaction_is_run_again_when_safe(db_path: Path) -> None:
    open_database(db_path, busy_timeout=0.1)
    calls = []

    @retrying
    def save() -> None:
        calls.append(1)
        with writing():
            Party.insert(number=str(len(calls))).execute()

    holder = hold_lock(db_path, 0.15)
    save()
    holder.join()
    assert len(calls) == 2
    assert [p.number for p in Party.select()] == ["2"]  # the first try left nothing


def test_a_lock_held_too_long_ends_in_one_clear_error(db_path: Path) -> None:
    open_database(db_path, busy_timeout=0.05)

    @retrying
    def save() -> None:
        with writing():
            Party.insert(number="1").execute()

    holder = hold_lock(db_path, 1.0)
    with pytest.raises(DatabaseBusy, match="another clerk is saving"):
        save()
    holder.join()
    assert Party.select().count() == 0


def test_inside_an_outer_transaction_nothing_is_retried(db_path: Path) -> None:
    open_database(db_path, busy_timeout=0.05)
    calls = []

    @retrying
    def inner() -> None:
        calls.append(1)
        raise DatabaseBusy("busy")

    with writing(), pytest.raises(DatabaseBusy):
        inner()
    assert calls == [1]
