"""Write transactions for every service: the write lock taken at BEGIN on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from peewee import Database, OperationalError

from tui_crm.db.connection import db, is_sqlite
from tui_crm.errors import DatabaseError
from tui_crm.i18n import _


@contextmanager
def writing() -> Iterator[Database]:
    """One write transaction; on SQLite ``BEGIN IMMEDIATE`` takes the write lock at once.

    Two counters can then not both read and both write. Peewee's ``atomic("IMMEDIATE")``
    passes the argument to ``begin()``, which only SQLite understands (PostgreSQL's ``begin``
    takes an isolation level), so it is used on SQLite only. Nested calls become savepoints of
    the outer transaction.

    Raises:
        DatabaseError: Another process held the write lock longer than the busy timeout.
    """
    database: Database = db.obj
    if is_sqlite(database) and not database.in_transaction():
        transaction = database.atomic("IMMEDIATE")
    else:
        transaction = database.atomic()
    try:
        with transaction:
            yield database
    except OperationalError as error:
        if "locked" not in str(error) and "busy" not in str(error):
            raise
        raise DatabaseError(
            _("The database is busy (another clerk is saving); try again."), title=_("Save")
        ) from None
