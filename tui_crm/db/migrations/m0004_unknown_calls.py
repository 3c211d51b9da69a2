"""Schema version 4: ``unknown_call``, the missed calls of numbers no party has.

The contact log belongs to a party; a call that rang unanswered from an unknown or a
withheld number is kept here so that the missed-call list shows it too. The table is frozen
here as it was at this version.
"""

from __future__ import annotations

from peewee import BooleanField, CharField, Database, DateTimeField, Model

VERSION = 4


class UnknownCall(Model):
    """Frozen: a missed call of an unknown or withheld number."""

    at = DateTimeField()
    number = CharField(max_length=64, default="")
    phone_e164 = CharField(max_length=20, default="")
    withheld = BooleanField(default=False)

    class Meta:
        table_name = "unknown_call"
        indexes = ((("at",), False),)


def apply(database: Database) -> None:
    """Create the table and its index."""
    with database.bind_ctx([UnknownCall]):
        database.create_tables([UnknownCall])
