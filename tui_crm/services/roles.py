"""Roles and what they may do, enforced in the services (hiding keys is only a courtesy).

Every writing service calls :func:`require` inside its write transaction, with the clerk
who acts and the :class:`Permission` the action needs. The roles:

- ``inquiry``: reads only (looks customers up, bookmarks and recent lists of its own);
- ``clerk``: edits customers, contact persons, follow-ups, contacts, calls and letters;
- ``accounting``: what a clerk may, and payments and dunning;
- ``admin``: everything, and clerks, templates and settings.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Any, cast

from tui_crm.db.models import ROLES, Clerk
from tui_crm.errors import PermissionDenied, ValidationError
from tui_crm.i18n import _

ClerkRef = int | str
"""A clerk given by database id or login."""


def _tuples(query: Any) -> list[tuple[Any, ...]]:
    """Run a ``.tuples()`` query (the stubs type its rows as models)."""
    return [tuple(row) for row in cast(Iterable[Any], query.tuples())]


class Permission(Enum):
    """What an action needs."""

    EDIT = "edit"
    """Change customers, contact persons, follow-ups, contacts, calls, letters."""
    ACCOUNTING = "accounting"
    """Record payments, raise dunning levels, change open items."""
    ADMIN = "admin"
    """Manage clerks and roles, templates and settings."""


GRANTS: dict[str, frozenset[Permission]] = {
    "inquiry": frozenset(),
    "clerk": frozenset({Permission.EDIT}),
    "accounting": frozenset({Permission.EDIT, Permission.ACCOUNTING}),
    "admin": frozenset(Permission),
}
"""The permissions of each role (reading needs none)."""

assert set(GRANTS) == set(ROLES)


def role_label(role: str) -> str:
    """The name of a role, translated."""
    labels = {
        "inquiry": _("inquiry"),
        "clerk": _("clerk"),
        "accounting": _("accounting"),
        "admin": _("admin"),
    }
    return labels.get(role, role)


def allows(role: str, permission: Permission) -> bool:
    """Whether ``role`` may do what ``permission`` stands for."""
    return permission in GRANTS.get(role, frozenset())


def lookup(clerk: ClerkRef) -> tuple[int, str, str, bool]:
    """The id, login, role and active flag of a clerk given by id or login.

    Raises:
        ValidationError: No such clerk.
    """
    query = Clerk.select(Clerk.id, Clerk.login, Clerk.role, Clerk.active)
    query = (
        query.where(Clerk.id == clerk)
        if isinstance(clerk, int)
        else query.where(Clerk.login == clerk)
    )
    rows = _tuples(query)
    if not rows:
        raise ValidationError(_("No clerk {clerk}.").format(clerk=clerk), title=_("Clerk"))
    clerk_id, login, role, active = rows[0]
    return int(clerk_id), str(login), str(role), bool(active)


def role_of(clerk: ClerkRef) -> str:
    """The role of a clerk; ``inquiry`` for an unknown or inactive one (reads only)."""
    try:
        _id, _login, role, active = lookup(clerk)
    except ValidationError:
        return "inquiry"
    return role if active else "inquiry"


def require(clerk: ClerkRef, permission: Permission) -> tuple[int, str]:
    """Refuse unless the clerk's role grants ``permission``; return the clerk's id and login.

    Call it inside the write transaction, before anything is written, so that a role
    changed by an admin a moment ago counts.

    Raises:
        PermissionDenied: The clerk is unknown, inactive, or the role does not allow it.
    """
    try:
        clerk_id, login, role, active = lookup(clerk)
    except ValidationError:
        raise PermissionDenied(
            _("{clerk} is not a clerk of this database.").format(clerk=clerk),
            title=_("Not allowed"),
        ) from None
    if not active:
        raise PermissionDenied(
            _("{clerk} is deactivated.").format(clerk=login), title=_("Not allowed")
        )
    if not allows(role, permission):
        raise PermissionDenied(
            _("{clerk} ({role}) may not do this: {what}.").format(
                clerk=login, role=role_label(role), what=permission_label(permission)
            ),
            title=_("Not allowed"),
        )
    return clerk_id, login


def permission_label(permission: Permission) -> str:
    """What a permission allows, translated."""
    labels = {
        Permission.EDIT: _("change data"),
        Permission.ACCOUNTING: _("payments and dunning"),
        Permission.ADMIN: _("manage clerks, templates and settings"),
    }
    return labels[permission]
