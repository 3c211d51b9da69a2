"""The inquiry role in the UI: the role in the header, no write keys, nothing written."""

from __future__ import annotations

from pathlib import Path

from tests.ui.conftest import make_app
from tui_crm.app import CrmApp
from tui_crm.db.models import AuditLog, Clerk, FollowUp
from tui_crm.screens.follow_up_modal import FollowUpModal
from tui_crm.screens.inquiry import InquiryScreen


async def settle(app: CrmApp) -> None:
    await app.workers.wait_for_complete()
    await app.animator.wait_until_complete()
    await app.workers.wait_for_complete()


def active_ids(app: CrmApp) -> set[str]:
    """The ids of the bindings the screen offers now (those the footer may show)."""
    return {active.binding.id or "" for active in app.screen.active_bindings.values()}


async def test_an_inquiry_clerk_sees_the_role_and_no_write_keys(people: Path) -> None:
    app = make_app(people)
    Clerk.update(role="inquiry").where(Clerk.login == "alice").execute()
    app = make_app(people)
    async with app.run_test(size=(140, 36)) as pilot:
        assert app.sub_title.startswith("alice (inquiry) · ")
        await app.push_screen(InquiryScreen("10001"))
        await settle(app)
        shown = active_ids(app)
        assert "inquiry.bookmark" in shown
        assert not shown & {"inquiry.edit", "app.follow_up", "app.log_contact", "app.call"}
        for key in ("f4", "f11", "alt+l"):
            await pilot.press(key)
            await settle(app)
            assert isinstance(app.screen, InquiryScreen)
        assert not isinstance(app.screen, FollowUpModal)
        assert AuditLog.select().count() == 0
        assert FollowUp.select().count() == 0


async def test_a_clerk_sees_the_role_and_the_edit_key(people: Path) -> None:
    app = make_app(people)
    async with app.run_test(size=(140, 36)):
        assert app.sub_title.startswith("alice (clerk) · ")
        await app.push_screen(InquiryScreen("10001"))
        await settle(app)
        assert {"inquiry.edit", "app.follow_up", "app.call"} <= active_ids(app)
