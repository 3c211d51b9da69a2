"""Domain errors a counter clerk (or a script) can act on."""

from __future__ import annotations


class CrmError(Exception):
    """A failure with a message fit for the user.

    Args:
        msg: One line saying what went wrong and, where possible, what to do.
        title: A short heading for notifications.
    """

    exit_code = 1
    """Exit status of the command line when this error ends a command."""

    def __init__(self, msg: str, title: str = "Error") -> None:
        super().__init__(msg)
        self.msg = msg
        """The message shown to the user."""
        self.title = title
        """A short heading for notifications."""


class ConfigError(CrmError):
    """The config file cannot be read or holds a bad value."""

    exit_code = 2


class DatabaseError(CrmError):
    """The database cannot be opened, read or written."""


class SchemaTooNew(DatabaseError):
    """The database was written by a newer tui-crm."""


class SchemaOutdated(DatabaseError):
    """The database needs ``tui-crm db upgrade`` before use."""


class ValidationError(CrmError):
    """A value typed by the user is not acceptable."""

    exit_code = 2


class DatabaseBusy(DatabaseError):
    """Another process held the write lock longer than the busy timeout (nothing written)."""


class PermissionDenied(CrmError):
    """The clerk's role does not allow this action; nothing was written."""

    exit_code = 3
