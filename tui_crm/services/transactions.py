"""Write transactions for every service: the write lock taken at BEGIN on SQLite, and
retries of a whole transaction when the database stayed busy."""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, ParamSpec, TypeVar

from peewee import Database, OperationalError

from tui_crm.db.connection import db, is_sqlite
from tui_crm.errors import DatabaseBusy
from tui_crm.i18n import _

P = ParamSpec("P")
R = TypeVar("R")

BUSY_WORDS = ("locked", "busy", "deadlock", "could not serialize")
"""Driver messages that mean "another transaction is in the way; the same write can be
tried again" (SQLite lock, PostgreSQL deadlock or serialisation failure)."""

RETRIES = 3
"""How often :func:`retrying` runs a transaction again after a busy database."""


def is_busy(error: BaseException) -> bool:
    """Whether a driver error means the database was busy (nothing was written)."""
    text = str(error).lower()
    return any(word in text for word in BUSY_WORDS)


@contextmanager
def writing() -> Iterator[Database]:
    """One write transaction; on SQLite ``BEGIN IMMEDIATE`` takes the write lock at once.

    Two counters can then not both read and both write. Peewee's ``atomic("IMMEDIATE")``
    passes the argument to ``begin()``, which only SQLite understands (PostgreSQL's ``begin``
    takes an isolation level), so it is used on SQLite only. Nested calls become savepoints of
    the outer transaction. On SQLite the lock is waited for by :func:`_begin_immediate`.

    Raises:
        DatabaseBusy: Another process held the write lock longer than the busy timeout (or
            PostgreSQL broke a deadlock); the transaction was rolled back.
    """
    database: Database = db.obj
    try:
        if is_sqlite(database) and not database.in_transaction():
            transaction = _begin_immediate(database)
        else:
            transaction = database.atomic()
            transaction.__enter__()
        with ExitStack() as stack:
            stack.push(transaction)
            yield database
    except OperationalError as error:
        if not is_busy(error):
            raise
        raise DatabaseBusy(
            _("The database is busy (another clerk is saving); try again."), title=_("Save")
        ) from None


def _begin_immediate(database: Database) -> Any:
    """Enter ``atomic("IMMEDIATE")``, waiting for the write lock by polling every 0.5 to 4 ms.

    SQLite's own busy handler sleeps 1, 2, 5, 10 … up to 100 ms between tries and is not
    woken when the lock is released, so with several writers a save would wait tens of
    milliseconds for a lock that was free after one. Here the busy timeout is off while
    the lock is taken and polling stops at the connection's timeout (5 s by default).

    Raises:
        OperationalError: Still locked at the timeout.
    """
    timeout = float(getattr(database, "_timeout", 5.0) or 0.0)
    connection = database.connection()
    connection.execute("PRAGMA busy_timeout = 0")
    try:
        deadline = time.monotonic() + timeout
        pause = 0.0005
        while True:
            transaction = database.atomic("IMMEDIATE")
            try:
                transaction.__enter__()
                return transaction
            except OperationalError as error:
                if not is_busy(error) or time.monotonic() >= deadline:
                    raise
            time.sleep(pause * random.uniform(0.5, 1.5))
            pause = min(pause * 1.5, 0.004)
    finally:
        connection.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")


def retrying(function: Callable[P, R]) -> Callable[P, R]:
    """Run a service function again (up to :data:`RETRIES` times) when the database was busy.

    Safe only for a function whose whole write is one :func:`writing` transaction: a busy
    error rolls all of it back, so running it again cannot write anything twice. Inside an
    outer transaction it is not retried (the outer one owns the rollback). The SQLite busy
    timeout (5 s) already waits for the lock; a retry covers the rare longer wait and
    PostgreSQL deadlocks. Pauses are short and random so that waiting writers spread out.
    """

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        database: Database | None = db.obj
        if database is not None and database.in_transaction():
            return function(*args, **kwargs)
        for attempt in range(RETRIES):
            try:
                return function(*args, **kwargs)
            except DatabaseBusy:
                if attempt == RETRIES - 1:
                    raise
                time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
        raise AssertionError("unreachable")

    return run
