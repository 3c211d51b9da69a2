"""Letters and the mail merge with the real keys: Alt+B in the inquiry, the correspondence
tab, the palette, and the merge screen with count, sample, progress and its letters."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document as WordDocument
from textual.widgets import Input, Label, ProgressBar, Static

from tests.ui.conftest import make_app
from tui_crm.app import CrmApp
from tui_crm.db.models import ContactLog, Letter, Mailing, Party
from tui_crm.screens.inquiry import InquiryScreen
from tui_crm.screens.letter_modal import LetterModal
from tui_crm.screens.merge import MergeScreen
from tui_crm.widgets.cycle_field import CycleField
from tui_crm.widgets.letter_list import LetterList
from tui_crm.widgets.party_tabs import PartyTabs


@pytest.fixture
def letter_app(people: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CrmApp:
    """The app with its own templates and documents folders, as if over SSH (no viewer)."""
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.1 5000 10.0.0.2 22")
    return make_app(
        people, templates_dir=str(tmp_path / "templates"), documents_dir=str(tmp_path / "docs")
    )


async def settle(app: CrmApp) -> None:
    for _round in range(3):
        await app.workers.wait_for_complete()
        await app.animator.wait_until_complete()


def text_of(path: str) -> str:
    document = WordDocument(path)
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    return "\n".join(parts)


async def test_alt_b_writes_a_letter_shown_on_the_correspondence_tab(letter_app: CrmApp) -> None:
    app = letter_app
    async with app.run_test(size=(120, 36)) as pilot:
        await app.push_screen(InquiryScreen("10001", ("10001",)))
        await settle(app)
        await pilot.press("alt+b")
        await settle(app)
        modal = app.screen
        assert isinstance(modal, LetterModal)
        assert modal.query_one("#template", CycleField).label == "letter.docx"
        await pilot.press("tab", "tab", *"Ihr Angebot", "f10")
        await settle(app)
        assert isinstance(app.screen, InquiryScreen)
        letter = Letter.get()
        assert letter.subject == "Ihr Angebot"
        assert Path(letter.path).parent.name == "10001"
        text = text_of(letter.path)
        assert "Hans Müller" in text
        assert "Ihr Angebot" in text
        contact = ContactLog.get(ContactLog.letter == letter.id)
        assert contact.kind == "letter"
        assert Party.get(Party.number == "10001").contact_count == 1
        # Over SSH the path is shown, not opened.
        assert any(letter.path in str(toast.message) for toast in app._notifications)
        await pilot.press("ctrl+pageup")
        await settle(app)
        screen = app.screen
        assert screen.query_one(PartyTabs).active == "tab-correspondence"
        rows = screen.query_one(LetterList).rows
        assert [row.subject for row in rows] == ["Ihr Angebot"]


async def test_the_letter_dialog_is_in_the_palette_and_esc_writes_nothing(
    letter_app: CrmApp,
) -> None:
    app = letter_app
    async with app.run_test(size=(120, 36)) as pilot:
        await app.push_screen(InquiryScreen("10003", ("10003",)))
        await settle(app)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Letter")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(app)
        assert isinstance(app.screen, LetterModal)
        await pilot.press("escape")
        await settle(app)
        assert isinstance(app.screen, InquiryScreen)
        assert Letter.select().count() == 0


async def test_merge_screen_counts_filters_and_writes_the_letters(letter_app: CrmApp) -> None:
    app = letter_app
    Party.update(postcode="50667").where(Party.number.in_(["10001", "10003"])).execute()
    Party.update(postcode="10115").where(Party.number == "10002").execute()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("alt+s")
        await settle(app)
        screen = app.screen
        assert isinstance(screen, MergeScreen)
        assert "3 selected" in str(screen.query_one("#merge-count", Label).render())
        screen.query_one("#postcode", Input).focus()
        await pilot.press(*"50000-51999")
        await pilot.pause(0.5)
        await settle(app)
        assert "2 selected" in str(screen.query_one("#merge-count", Label).render())
        sample = str(screen.query_one("#merge-sample", Static).render())
        assert "10001" in sample
        assert "10003" in sample
        assert "10002" not in sample
        await pilot.press("f10")
        await settle(app)
        await pilot.pause()
        mailing = Mailing.get()
        assert mailing.count == 2
        letters = list(Letter.select().where(Letter.mailing == mailing.id))
        assert sorted(Path(letter.path).parent.name for letter in letters) == ["10001", "10003"]
        for letter in letters:
            assert "Sehr geehrte" in text_of(letter.path) or "Dear" in text_of(letter.path)
        bar = screen.query_one(ProgressBar)
        assert bar.progress == 2
        assert "2 of 2 letters" in str(screen.query_one("#merge-status", Label).render())
        await pilot.press("escape")
        assert not isinstance(app.screen, MergeScreen)


async def test_merge_screen_names_a_bad_filter(letter_app: CrmApp) -> None:
    app = letter_app
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("alt+s")
        await settle(app)
        screen = app.screen
        screen.query_one("#birthday_month", Input).focus()
        await pilot.press(*"13")
        await pilot.pause(0.5)
        await settle(app)
        assert "1 to 12" in str(screen.query_one("#merge-count", Label).render())
        await pilot.press("f10")
        await settle(app)
        assert Mailing.select().count() == 0
