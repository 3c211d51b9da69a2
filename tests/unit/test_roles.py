"""Roles enforced in the services: each writing service called directly with each role."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from tui_crm.db.models import AuditLog, Clerk, Document, FollowUp, OpenItem, Party, Payment
from tui_crm.errors import PermissionDenied, ValidationError
from tui_crm.services import clerks, contacts, editing, followups, open_items
from tui_crm.services.followups import FollowUpDraft
from tui_crm.services.roles import Permission, allows, require, role_of

pytestmark = pytest.mark.backends

ROLE_LOGINS = {"inquiry": "ina", "clerk": "carl", "accounting": "acco", "admin": "ada"}


@pytest.fixture
def office(people: str) -> str:
    """The three parties, a clerk of each role, a follow-up and an open item."""
    for role, login in ROLE_LOGINS.items():
        Clerk.create(login=login, name=login, role=role)
    Clerk.create(login="gone", role="admin", active=False)
    party = Party.get(Party.number == "10001")
    FollowUp.create(
        party=party, due_date=date(2026, 5, 4), subject="Call", owner=Clerk.get(login="carl")
    )
    document = Document.create(number="R1", kind="invoice", party=party, date=date(2026, 5, 1))
    OpenItem.create(
        document=document, party=party, amount=Decimal("100.00"), due_date=date(2026, 5, 15)
    )
    return people


def _party() -> int:
    return int(Party.get(Party.number == "10001").id)


def _follow_up() -> int:
    return int(FollowUp.select(FollowUp.id).scalar())


def _open_item() -> int:
    return int(OpenItem.select(OpenItem.id).scalar())


def edit_customer(login: str) -> object:
    stored = editing.snapshot(_party())
    mine = replace(stored.values, city=f"Köln-{login}")
    return editing.save(stored.id, stored.values, stored.version, mine, login)


def create_customer(login: str) -> object:
    return editing.create("customer", editing.PartyValues(last_name=f"Neu {login}"), login)


def add_follow_up(login: str) -> object:
    return followups.create(_party(), FollowUpDraft(date(2026, 6, 1), f"by {login}"), login)


def postpone_follow_up(login: str) -> object:
    row = followups.get(_follow_up())
    return followups.postpone(row.id, row.due_date + timedelta(days=1), login)


def log_contact(login: str) -> object:
    return contacts.log_contact(_party(), "phone_in", None, f"by {login}", "", None, login)


def pay(login: str) -> object:
    item = _open_item()
    version = int(OpenItem.get_by_id(item).version)
    return open_items.record_payment(
        item, Decimal("1.00"), date.today(), login, expected_version=version
    )


def add_clerk(login: str) -> object:
    return clerks.add_clerk(f"new-{login}", "clerk", login)


ACTIONS: dict[str, tuple[Callable[[str], object], Permission]] = {
    "edit customer": (edit_customer, Permission.EDIT),
    "create customer": (create_customer, Permission.EDIT),
    "add follow-up": (add_follow_up, Permission.EDIT),
    "postpone follow-up": (postpone_follow_up, Permission.EDIT),
    "log contact": (log_contact, Permission.EDIT),
    "record payment": (pay, Permission.ACCOUNTING),
    "add clerk": (add_clerk, Permission.ADMIN),
}


@pytest.mark.parametrize("role", list(ROLE_LOGINS))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_each_role_may_do_what_it_is_granted_and_nothing_else(
    office: str, role: str, action: str
) -> None:
    run, needs = ACTIONS[action]
    login = ROLE_LOGINS[role]
    before = AuditLog.select().count()
    if allows(role, needs):
        run(login)
        assert AuditLog.select().count() > before
        assert AuditLog.select().order_by(AuditLog.id.desc()).first().clerk == login
    else:
        with pytest.raises(PermissionDenied, match=login):
            run(login)
        assert AuditLog.select().count() == before
        assert Payment.select().count() == 0
        assert Party.get(Party.number == "10001").city == "Köln"


def test_the_role_table() -> None:
    assert not allows("inquiry", Permission.EDIT)
    assert allows("clerk", Permission.EDIT)
    assert not allows("clerk", Permission.ACCOUNTING)
    assert allows("accounting", Permission.ACCOUNTING)
    assert not allows("accounting", Permission.ADMIN)
    assert all(allows("admin", permission) for permission in Permission)


def test_unknown_and_inactive_clerks_may_not_write(office: str) -> None:
    with pytest.raises(PermissionDenied, match="not a clerk"):
        require("nobody", Permission.EDIT)
    with pytest.raises(PermissionDenied, match="deactivated"):
        require("gone", Permission.EDIT)
    assert role_of("nobody") == "inquiry"
    assert role_of("gone") == "inquiry"
    assert role_of("acco") == "accounting"


def test_a_role_change_counts_at_the_next_save(office: str) -> None:
    edit_customer("carl")
    clerks.set_role("carl", "inquiry", "ada")
    with pytest.raises(PermissionDenied):
        edit_customer("carl")
    row = AuditLog.select().where(AuditLog.table_name == "clerk").order_by(AuditLog.id).first()
    assert (row.field, row.old_value, row.new_value, row.clerk) == (
        "role",
        "clerk",
        "inquiry",
        "ada",
    )


def test_the_first_admin_is_bootstrapped_then_only_admins_manage_clerks(people: str) -> None:
    with pytest.raises(PermissionDenied, match="no admin yet"):
        clerks.add_clerk("carl", "clerk", "whoever")
    clerks.add_clerk("ada", "admin", "whoever")
    with pytest.raises(PermissionDenied):
        clerks.add_clerk("carl", "admin", "whoever")
    clerks.add_clerk("carl", "clerk", "ada")
    with pytest.raises(PermissionDenied, match="last admin"):
        clerks.set_role("ada", "clerk", "ada")
    with pytest.raises(ValidationError, match="Unknown role"):
        clerks.set_role("carl", "boss", "ada")
    assert [(row.login, row.role) for row in clerks.list_clerks()] == [
        ("ada", "admin"),
        ("carl", "clerk"),
    ]


def test_payments_add_up_and_refuse_overpaying_and_stale_versions(office: str) -> None:
    item = _open_item()
    today = date.today()
    first = open_items.record_payment(item, Decimal("30.10"), today, "acco", expected_version=1)
    assert (first.item.paid, first.item.balance, first.item.version) == (
        Decimal("30.10"),
        Decimal("69.90"),
        2,
    )
    with pytest.raises(open_items.ItemChanged):
        open_items.record_payment(item, Decimal("1.00"), today, "acco", expected_version=1)
    with pytest.raises(open_items.OverPayment, match=r"69\.90"):
        open_items.record_payment(item, Decimal("70.00"), today, "acco", expected_version=2)
    open_items.record_payment(item, Decimal("69.90"), today, "ada", expected_version=2)
    stored = OpenItem.get_by_id(item)
    assert stored.paid == Decimal("100.00")
    assert stored.closed_at is not None
    assert sum(p.amount for p in Payment.select()) == Decimal("100.00")
