"""F12 and its alternate call the customer in context through the configured backend."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path

import pytest

from tests.fakes.argv_recorder import recorder
from tests.ui.conftest import make_app
from tui_crm.screens.inquiry import InquiryScreen


@pytest.mark.parametrize("key", ["f12", "ctrl+t"])
async def test_call_key_dials_the_customer_in_the_inquiry(
    people: Path, tmp_path: Path, key: str
) -> None:
    script, out = recorder(tmp_path)
    app = make_app(people)
    telephony = dataclasses.replace(
        app.settings.telephony, backend="command", command=(str(script), "{e164}")
    )
    app.settings = dataclasses.replace(app.settings, telephony=telephony)
    from tui_crm.screens.calls import CallController

    app.calls = CallController(app, app.settings)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press(*"10001", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, InquiryScreen)
        await pilot.press(key)
        for _ in range(50):
            await app.workers.wait_for_complete()
            await pilot.pause(0.05)
            if out.exists():
                break
        assert json.loads(out.read_text()) == ["+49221123456"]
    with sqlite3.connect(people) as connection:
        (kind,) = connection.execute("SELECT kind FROM contact_log").fetchone()
    assert kind == "phone_out"


async def test_call_key_is_greyed_out_without_a_customer(people: Path) -> None:
    app = make_app(people)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert app.check_action("call", ()) is None
