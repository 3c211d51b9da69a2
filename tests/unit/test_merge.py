"""Mail merge: filters, count and sample, one file per customer or a combined document,
cancel in the middle, a bad template before the first letter, the worker pool, PostgreSQL,
and the command line."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document as WordDocument

from tests.conftest import add_party
from tui_crm import cli
from tui_crm.config import Settings
from tui_crm.db.connection import db, open_database
from tui_crm.db.migrations import migrate
from tui_crm.db.models import (
    ContactLog,
    CustomerGroup,
    Document,
    Email,
    Letter,
    Mailing,
    OpenItem,
    Party,
)
from tui_crm.services import default_templates, merge
from tui_crm.services.customers import ensure_clerk
from tui_crm.services.merge import MergeFilters
from tui_crm.services.templates import TemplateProblem


def make_parties(count: int) -> list[int]:
    """``count`` customers 30000… with postcodes 50000… (in that order)."""
    ids = []
    for index in range(count):
        party = add_party(
            f"3{index:04d}", "Vor", f"Name{index}", "", "Köln", f"+49221{index:06d}", "x"
        )
        Party.update(postcode=f"{50000 + index}").where(Party.id == party.id).execute()
        ids.append(int(party.id))
    return ids


@pytest.fixture
def settings(db_path: Path, tmp_path: Path) -> Settings:
    with db.atomic():
        ensure_clerk("alice")
    value = Settings(
        database=str(db_path),
        clerk="alice",
        templates_dir=str(tmp_path / "templates"),
        documents_dir=str(tmp_path / "docs"),
    )
    default_templates.ensure_defaults(value.templates_path)
    return value


def text_of(path: str | Path) -> str:
    document = WordDocument(str(path))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    return "\n".join(parts)


def invoice(party: int, day: date, total: str, kind: str = "invoice") -> Document:
    return Document.create(
        number=f"D{Document.select().count() + 1}",
        kind=kind,
        party=party,
        date=day,
        gross_total=Decimal(total),
    )


def seed_filters() -> dict[str, int]:
    """Five parties that each filter tells apart."""
    group = CustomerGroup.create(code="A", name="A-Kunden")
    ids = {}
    for number, postcode, city in (
        ("40001", "50667", "Köln"),
        ("40002", "53111", "Bonn"),
        ("40003", "10115", "Berlin"),
        ("40004", "50999", "Köln"),
        ("40005", "80331", "München"),
    ):
        party = add_party(number, "A", number, "", city, f"+4930{number}", "x")
        Party.update(postcode=postcode).where(Party.id == party.id).execute()
        ids[number] = int(party.id)
    Party.update(kind="prospect").where(Party.id == ids["40005"]).execute()
    Party.update(group=group).where(Party.id.in_([ids["40001"], ids["40002"]])).execute()
    Party.update(birthday=date(1970, 5, 3)).where(Party.id == ids["40003"]).execute()
    Party.update(marketing_source="Messe").where(Party.id == ids["40004"]).execute()
    Email.create(party=ids["40001"], address="a@example.org", is_main=True)
    invoice(ids["40001"], date(2026, 3, 1), "500.00")
    invoice(ids["40001"], date(2026, 4, 1), "100.00", kind="credit_note")
    invoice(ids["40002"], date(2024, 1, 1), "900.00")
    item = invoice(ids["40004"], date(2026, 6, 1), "50.00")
    OpenItem.create(
        document=item, party=ids["40004"], amount=Decimal("50"), due_date=date(2026, 7, 1)
    )
    return ids


def numbers(filters: MergeFilters) -> list[str]:
    return [row.number for row in merge.sample(filters, limit=10)]


def test_every_filter_selects_its_customers(db_path: Path) -> None:
    seed_filters()
    assert merge.count(MergeFilters()) == 5
    # postcode order: cheaper postage
    assert numbers(MergeFilters()) == ["40003", "40001", "40004", "40002", "40005"]
    assert numbers(MergeFilters(kind="prospect")) == ["40005"]
    assert numbers(MergeFilters(group="A")) == ["40001", "40002"]
    assert numbers(merge.filters_from(postcode="50000-51999")) == ["40001", "40004"]
    assert numbers(merge.filters_from(postcode="53111")) == ["40002"]
    assert numbers(MergeFilters(city="Köln")) == ["40001", "40004"]
    assert numbers(merge.filters_from(birthday_month="5")) == ["40003"]
    assert numbers(merge.filters_from(lapsed_since="01.01.2025")) == ["40002"]
    assert numbers(merge.filters_from(revenue_since="2026-01-01", revenue_min="400")) == ["40001"]
    assert numbers(merge.filters_from(revenue_since="2026-01-01", revenue_min="400,01")) == []
    assert numbers(merge.filters_from(open_items="ja")) == ["40004"]
    assert merge.count(merge.filters_from(open_items="no")) == 4
    assert numbers(merge.filters_from(source="Messe")) == ["40004"]
    assert numbers(merge.filters_from(email="yes")) == ["40001"]
    assert merge.count(merge.filters_from(email="no")) == 4
    assert numbers(merge.filters_from(kind="customer", city="Köln", email="no")) == ["40004"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("birthday_month", "13", "1 to 12"),
        ("open_items", "vielleicht", "yes or no"),
        ("revenue_min", "100", "day it counts from"),
        ("lapsed_since", "gestern?", None),
    ],
)
def test_bad_filters_are_named(field: str, value: str, message: str | None) -> None:
    with pytest.raises(merge.ValidationError, match=message):
        merge.filters_from(**{field: value})


def test_one_letter_per_customer_in_their_folders(settings: Settings) -> None:
    ids = make_parties(3)
    seen: list[tuple[int, int]] = []
    result = merge.run(
        settings.templates_path / "letter.docx",
        ids,
        "alice",
        settings,
        filters=MergeFilters(city="Köln"),
        progress=lambda done, total: seen.append((done, total)),
    )
    assert (result.written, result.total, result.cancelled) == (3, 3, False)
    assert seen[-1] == (3, 3)
    mailing = Mailing.get_by_id(result.mailing_id)
    assert mailing.count == 3
    assert mailing.filters == '{"city": "Köln"}'
    rows = list(Letter.select().where(Letter.mailing == mailing.id).order_by(Letter.id))
    assert [row.party_id for row in rows] == ids
    for index, row in enumerate(rows):
        assert Path(row.path).parent == settings.documents_path / f"3{index:04d}"
        assert f"Vor Name{index}" in text_of(row.path)
    # A mass mailing is kept on the customer but is no personal contact.
    assert ContactLog.select().count() == 0


def test_combined_document_has_every_letter_with_page_breaks(
    settings: Settings, tmp_path: Path
) -> None:
    ids = make_parties(3)
    out = tmp_path / "out" / "alle.docx"
    result = merge.run(
        settings.templates_path / "birthday.docx", ids, "alice", settings, combined=out
    )
    assert result.combined == out
    assert result.written == 3
    text = text_of(out)
    assert [f"Vor Name{index}" in text for index in range(3)] == [True, True, True]
    xml = WordDocument(str(out)).element.xml
    assert xml.count('w:type="page"') == 2
    assert {row.path for row in Letter.select()} == {str(out)}
    # Never overwritten: a second run gets another name.
    again = merge.run(
        settings.templates_path / "birthday.docx", ids, "alice", settings, combined=out
    )
    assert again.combined is not None
    assert again.combined.name == "alle-2.docx"


def test_cancel_in_the_middle_keeps_what_was_written_recorded(settings: Settings) -> None:
    ids = make_parties(merge.BATCH * 2 + 5)
    cancel = threading.Event()

    def progress(done: int, total: int) -> None:
        if done >= merge.BATCH:
            cancel.set()

    result = merge.run(
        settings.templates_path / "letter.docx",
        ids,
        "alice",
        settings,
        progress=progress,
        cancel=cancel,
    )
    assert result.cancelled
    assert result.written == merge.BATCH
    assert Mailing.get_by_id(result.mailing_id).count == merge.BATCH
    recorded = {row.path for row in Letter.select()}
    on_disk = {str(path) for path in settings.documents_path.rglob("*.docx")}
    assert recorded == on_disk
    assert len(on_disk) == merge.BATCH
    assert not list(settings.documents_path.rglob("*.tmp"))


def test_cancel_of_a_combined_merge_writes_the_letters_so_far(
    settings: Settings, tmp_path: Path
) -> None:
    ids = make_parties(merge.BATCH + 3)
    cancel = threading.Event()
    result = merge.run(
        settings.templates_path / "letter.docx",
        ids,
        "alice",
        settings,
        combined=tmp_path / "c.docx",
        progress=lambda done, total: cancel.set(),
        cancel=cancel,
    )
    assert result.cancelled
    assert result.written == merge.BATCH
    assert Letter.select().count() == merge.BATCH
    assert "Vor Name0" in text_of(tmp_path / "c.docx")


def test_a_bad_template_fails_before_the_first_letter(settings: Settings, tmp_path: Path) -> None:
    ids = make_parties(2)
    document = WordDocument()
    document.add_paragraph("{{ customer.nmae }}")
    bad = tmp_path / "bad.docx"
    document.save(str(bad))
    with pytest.raises(TemplateProblem, match=r"customer\.nmae"):
        merge.run(bad, ids, "alice", settings)
    assert Mailing.select().count() == 0
    assert not settings.documents_path.exists()


def test_the_worker_pool_renders_and_records_everything(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(merge, "POOL_FROM", 0)
    ids = make_parties(30)
    result = merge.run(
        settings.templates_path / "letter.docx",
        ids,
        "alice",
        settings,
        out_dir=tmp_path / "out",
        workers=2,
    )
    assert result.written == 30
    files = sorted((tmp_path / "out").glob("*.docx"))
    assert len(files) == 30
    assert files[0].name.startswith("30000-")
    assert "Vor Name0" in text_of(files[0])
    assert {row.path for row in Letter.select()} == {str(path) for path in files}


@pytest.mark.postgres
def test_filters_and_records_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    database = open_database(pg_url)
    migrate(database)
    with db.atomic():
        ensure_clerk("alice")
    ids = seed_filters()
    assert numbers(merge.filters_from(birthday_month="5")) == ["40003"]
    assert numbers(merge.filters_from(revenue_since="2026-01-01", revenue_min="400")) == ["40001"]
    assert numbers(merge.filters_from(lapsed_since="2025-01-01")) == ["40002"]
    settings = Settings(
        database=pg_url,
        clerk="alice",
        templates_dir=str(tmp_path / "t"),
        documents_dir=str(tmp_path / "d"),
    )
    default_templates.ensure_defaults(settings.templates_path)
    result = merge.run(
        settings.templates_path / "letter.docx", list(ids.values()), "alice", settings
    )
    assert result.written == 5
    assert Letter.select().where(Letter.mailing == result.mailing_id).count() == 5


def test_command_line_letter_merge_and_templates(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_parties(3)
    base = ["--db", settings.database, "--clerk", "alice"]
    env_templates = str(settings.templates_path)
    config = tmp_path / "config.toml"
    config.write_text(
        f'templates_dir = "{env_templates}"\ndocuments_dir = "{settings.documents_path}"\n',
        encoding="utf-8",
    )
    base += ["--config", str(config)]
    assert cli.main([*base, "letter", "30001", "--template", "letter.docx"]) == 0
    path = Path(capsys.readouterr().out.strip())
    assert path.parent == settings.documents_path / "30001"
    assert "Vor Name1" in text_of(path)
    assert (
        cli.main(
            [*base, "merge", "--template", "letter.docx", "--postcode", "50001-50002", "--count"]
        )
        == 0
    )
    captured = capsys.readouterr()
    assert captured.out.strip() == "2"
    assert "30001" in captured.err
    assert "30000" not in captured.err
    out = tmp_path / "merged"
    assert cli.main([*base, "merge", "--template", "letter.docx", "--out", str(out)]) == 0
    assert "written: 3 of 3 letters" in capsys.readouterr().out
    assert len(list(out.glob("*.docx"))) == 3
    assert cli.main([*base, "templates", "check", "letter.docx"]) == 0
    assert capsys.readouterr().out == "letter.docx: ok\n"
    document = WordDocument()
    document.add_paragraph("{{ kunde.name }}")
    document.save(str(tmp_path / "bad.docx"))
    assert cli.main([*base, "templates", "check", str(tmp_path / "bad.docx")]) == 1
    assert capsys.readouterr().out == (
        'bad.docx: body, paragraph 1 "{{ kunde.name }}": unknown field kunde\n'
    )
    assert cli.main([*base, "letter", "30001", "--template", str(tmp_path / "bad.docx")]) == 1
    assert "unknown field kunde" in capsys.readouterr().err
    assert cli.main([*base, "templates", "fields"]) == 0
    assert "{{ customer.salutation_line }}" in capsys.readouterr().out
