"""Managing clerks and their roles (``tui-crm clerk add|list|role``), admins only.

The first admin of a database is the one exception: while no active admin exists, anyone
may add a clerk as admin or make a clerk admin (bootstrapping); every other change needs
an admin. Each change writes audit rows (``clerk.role``, ``clerk.login``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from tui_crm.db.models import ROLES, AuditLog, Clerk, now
from tui_crm.errors import PermissionDenied, ValidationError
from tui_crm.i18n import _
from tui_crm.services.roles import ClerkRef, Permission, require
from tui_crm.services.transactions import retrying, writing


def _tuples(query: Any) -> list[tuple[Any, ...]]:
    """Run a ``.tuples()`` query (the stubs type its rows as models)."""
    return [tuple(row) for row in cast(Iterable[Any], query.tuples())]


@dataclass(frozen=True, slots=True)
class ClerkRow:
    """A clerk as listed."""

    id: int
    """Database id."""
    login: str
    """Login (what ``--clerk`` and the config name)."""
    name: str
    """Full name."""
    role: str
    """``inquiry``, ``clerk``, ``accounting`` or ``admin``."""
    active: bool
    """Whether the clerk may still work."""


def list_clerks() -> list[ClerkRow]:
    """Every clerk, by login."""
    query = Clerk.select(Clerk.id, Clerk.login, Clerk.name, Clerk.role, Clerk.active).order_by(
        Clerk.login
    )
    return [
        ClerkRow(int(i), str(login), str(name), str(role), bool(active))
        for i, login, name, role, active in _tuples(query)
    ]


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValidationError(
            _("Unknown role {role}; use one of {roles}.").format(role=role, roles=", ".join(ROLES)),
            title=_("Clerk"),
        )


def _has_admin() -> bool:
    return bool(
        Clerk.select(Clerk.id).where((Clerk.role == "admin") & (Clerk.active == True)).exists()  # noqa: E712
    )


def _authorise(acting: ClerkRef, new_role: str) -> str:
    """The acting login, if the acting clerk may change clerks (or bootstraps an admin)."""
    if not _has_admin():
        if new_role != "admin":
            raise PermissionDenied(
                _("This database has no admin yet: make the first clerk an admin."),
                title=_("Not allowed"),
            )
        return str(acting)
    return require(acting, Permission.ADMIN)[1]


def _audit(clerk_id: int, field: str, old: str | None, new: str, login: str) -> None:
    AuditLog.insert(
        table_name="clerk",
        row_id=clerk_id,
        party=None,
        field=field,
        old_value=old,
        new_value=new,
        clerk=login,
        at=now(),
    ).execute()


@retrying
def add_clerk(login: str, role: str, acting: ClerkRef, *, name: str = "") -> ClerkRow:
    """Add a clerk with a role.

    Raises:
        PermissionDenied: The acting clerk is no admin (and this bootstraps no admin).
        ValidationError: The login is empty or taken, or the role is unknown.
    """
    login = login.strip()
    if not login:
        raise ValidationError(_("Enter a login."), title=_("Clerk"))
    _check_role(role)
    with writing():
        by = _authorise(acting, role)
        if Clerk.select(Clerk.id).where(Clerk.login == login).exists():
            raise ValidationError(
                _("The clerk {login} exists already.").format(login=login), title=_("Clerk")
            )
        clerk_id = int(Clerk.insert(login=login, name=name or login, role=role).execute())
        _audit(clerk_id, "login", None, login, by)
        _audit(clerk_id, "role", None, role, by)
    return ClerkRow(clerk_id, login, name or login, role, True)


@retrying
def set_role(login: str, role: str, acting: ClerkRef) -> ClerkRow:
    """Give the clerk ``login`` another role.

    Raises:
        PermissionDenied: The acting clerk is no admin (and this bootstraps no admin), or
            the last admin would lose the role.
        ValidationError: No such clerk, or the role is unknown.
    """
    _check_role(role)
    with writing():
        by = _authorise(acting, role)
        rows = _tuples(
            Clerk.select(Clerk.id, Clerk.name, Clerk.role, Clerk.active).where(Clerk.login == login)
        )
        if not rows:
            raise ValidationError(_("No clerk {clerk}.").format(clerk=login), title=_("Clerk"))
        clerk_id, name, old, active = rows[0]
        if old == "admin" and role != "admin":
            others = Clerk.select(Clerk.id).where(
                (Clerk.role == "admin") & (Clerk.active == True) & (Clerk.id != clerk_id)  # noqa: E712
            )
            if not others.exists():
                raise PermissionDenied(
                    _("{login} is the last admin; make another clerk admin first.").format(
                        login=login
                    ),
                    title=_("Not allowed"),
                )
        if old != role:
            Clerk.update(role=role).where(Clerk.id == clerk_id).execute()
            _audit(int(clerk_id), "role", str(old), role, by)
    return ClerkRow(int(clerk_id), login, str(name), role, bool(active))
