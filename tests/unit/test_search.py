"""The search: words in any order, German folding, numbers, phones in any format, ranking."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import add_party
from tui_crm.db import search_index
from tui_crm.db.connection import db
from tui_crm.db.models import ContactPerson, Email, NumberHistory, Party
from tui_crm.services import customers

pytestmark = pytest.mark.backends


@pytest.fixture
def crowd(db_path: Path) -> Path:
    """Parties that the rules below must tell apart."""
    add_party("10001", "Hans", "Müller", "", "Köln", "+49221123456", "0221 123456")
    add_party("10002", "Jörg", "Mueller", "", "Bonn", "+49228555555", "0228 555555")
    add_party("10003", "Anna", "Muller", "", "Köln", "+4930111222", "030 111222")
    add_party("10004", "", "", "Kölner Straßenbau GmbH", "Düsseldorf", "+49211999", "0211 999")
    add_party("10005", "René", "Café", "", "Ulm", "+491711234567", "0171 1234567")
    add_party("20001", "Max", "Köhler", "", "Hamburg", "+4940123", "040 123")
    street = add_party("10010", "Eva", "Berg", "", "Berlin", "+4930777", "030 777")
    Party.update(street="Müllerstraße 5", postcode="10115").where(Party.id == street.id).execute()
    company = add_party("10020", "", "", "Weber AG", "Essen", "+49201555", "0201 555")
    ContactPerson.create(party=company, first_name="Karl", last_name="Zimmermann")
    Email.create(party=company, address="info@weber-ag.de", is_main=True)
    search_index.reindex_parties(db.obj, [street.id, company.id])
    return db_path


def numbers(query: str) -> list[str]:
    return [row.number for row in customers.search(query)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("mül", {"10001", "10002", "10003", "10010"}),
        ("Mueller", {"10001", "10002", "10003", "10010"}),
        ("muller", {"10001", "10002", "10003", "10010"}),
        ("mül köl", {"10001", "10003"}),
        ("köln mül", {"10001", "10003"}),
        ("KOELN muel", {"10001", "10003"}),
        ("strassenbau", {"10004"}),
        ("straßenb", {"10004"}),
        ("cafe", {"10005"}),
        ("rene", {"10005"}),
        ("müllerstrasse", {"10010"}),
        ("10115", {"10010"}),
        ("düsseldorf", {"10004"}),
        ("zimmer", {"10020"}),
        ("karl weber", {"10020"}),
        ("info@weber", {"10020"}),
        ("weber-ag.de", {"10020"}),
        ("xyz", set()),
    ],
)
def test_words_in_any_order_and_spelling(crowd: Path, query: str, expected: set[str]) -> None:
    assert set(numbers(query)) == expected


@pytest.mark.parametrize(
    "query",
    [
        "0221 123456",
        "0221/123456",
        "0221 / 12 34 56",
        "+49 221 123456",
        "+49 (0)221-123456",
        "0049 221 123456",
        "+49221123456",
        "221-123456",
        "123456",
        "3456",
        "(0221) 123456",
    ],
)
def test_phone_in_any_format(crowd: Path, query: str) -> None:
    assert numbers(query)[0] == "10001"


def test_phone_typed_from_the_start_is_a_prefix(crowd: Path) -> None:
    assert numbers("0221 12") == ["10001"]
    assert set(numbers("030")) == {"10003", "10010"}


def test_exact_number_first_then_prefix(crowd: Path) -> None:
    assert numbers("10001")[0] == "10001"
    assert numbers("1000")[:5] == ["10001", "10002", "10003", "10004", "10005"]
    assert numbers("2")[0] == "20001"


def test_former_number_finds_the_converted_customer(crowd: Path) -> None:
    party = Party.get(Party.number == "10003")
    NumberHistory.create(party=party, number="I500", kind="prospect")
    assert numbers("I500") == ["10003"]
    assert numbers("i500") == ["10003"]


def test_name_matches_rank_before_address_matches(crowd: Path) -> None:
    found = numbers("müller")
    assert found.index("10010") == len(found) - 1, "street match comes after the names"


def test_reindex_follows_changes(crowd: Path) -> None:
    party = Party.get(Party.number == "20001")
    Party.update(last_name="Schneider").where(Party.id == party.id).execute()
    assert numbers("schneider") == []
    search_index.reindex_parties(db.obj, [party.id])
    assert numbers("schneider") == ["20001"]
    assert numbers("köhler") == []


def test_rows_carry_phone_and_balance(crowd: Path) -> None:
    row = customers.search("10001")[0]
    assert row.phone == "0221 123456"
    assert str(row.balance) == "0.00"
    assert row.kind == "customer"


def test_limit_and_blank_query(crowd: Path) -> None:
    assert customers.search("   ") == []
    assert len(customers.search("1", limit=3)) == 3


def test_rebuild_matches_reindex(crowd: Path) -> None:
    def dump() -> list[tuple[object, ...]]:
        return db.obj.execute_sql(
            "SELECT word, party_id, kind FROM search_word ORDER BY 1, 2, 3"
        ).fetchall()

    before = dump()
    assert search_index.rebuild(db.obj) == len(before)
    assert dump() == before
