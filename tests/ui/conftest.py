"""Pilot fixtures: the app on a temp database with three parties."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui_crm.app import CrmApp
from tui_crm.config import Settings
from tui_crm.db.connection import db, open_database
from tui_crm.services.customers import ensure_clerk


def make_app(path: Path, **settings: object) -> CrmApp:
    """A CrmApp on ``path`` for clerk alice."""
    open_database(path)
    with db.atomic():
        clerk_id = ensure_clerk("alice")
    return CrmApp(Settings(database=str(path), clerk="alice", **settings), clerk_id)  # type: ignore[arg-type]


@pytest.fixture
def app(people: Path) -> CrmApp:
    """The app on the three-party database."""
    return make_app(people)
