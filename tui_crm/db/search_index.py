"""The word index behind the search: folded words of names, addresses and emails per party.

Each row is (word, party, kind). Word kinds: 0 for the party's own names, 1 for a contact
person's name, 2 for street, postcode and city, 3 for an email address; kind 9 rows are pair
keys of two words (see :func:`pair_key`). A prefix search is a range scan on
``(word, kind, party)``; further words of the query are checked on ``(party, word)``. The same
SQL runs on SQLite and PostgreSQL, and the folding lives in Python (:mod:`.text`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from typing import Any

from peewee import Database

from tui_crm.db.connection import is_sqlite
from tui_crm.db.text import words

NAME, PERSON, ADDRESS, EMAIL = 0, 1, 2, 3
"""Kinds: where a word was found (lower kinds rank first in the results)."""

PAIR = 9
"""Kind of a pair key: the 3-letter heads of two words, one of them a name word."""

PAIR_HEAD = 3
"""Letters of each word in a pair key; query words need this many to use pairs."""


def pair_key(first: str, second: str) -> str:
    """The pair key of two words (order does not matter): ``mul|kol`` for Müller, Köln."""
    heads = sorted((first[:PAIR_HEAD], second[:PAIR_HEAD]))
    return f"{heads[0]}|{heads[1]}"


MAX_WORD = 64
"""Longer words are cut (the column's width)."""

CHUNK = 5000
"""Parties read and written per step of a rebuild."""

IndexRow = tuple[str, int, int]


@lru_cache(maxsize=65_536)
def _cached_words(text: str) -> tuple[str, ...]:
    """Words of values that repeat across parties (first names, cities, streets)."""
    return tuple(word[:MAX_WORD] for word in words(text))


def party_words(
    party: int,
    names: Iterable[str],
    persons: Iterable[str],
    address: Iterable[str],
    emails: Iterable[str],
) -> list[IndexRow]:
    """The index rows of one party: each word once, with its lowest rank."""
    best: dict[str, int] = {}
    for rank, texts in ((NAME, names), (PERSON, persons), (ADDRESS, address), (EMAIL, emails)):
        for text in texts:
            if not text:
                continue
            found = _cached_words(text)
            if rank == EMAIL and "@" in text:
                found = (*found, *_cached_words(text.split("@", 1)[0].replace(".", " ")))
            for word in found:
                if word not in best or rank < best[word]:
                    best[word] = rank
    rows = [(word, party, rank) for word, rank in best.items()]
    # Two-word queries ("mül köl") look up the pair of their heads instead of scanning the
    # thousands of parties that have a word starting with either.
    heads = [word for word, rank in best.items() if len(word) >= PAIR_HEAD]
    names = [word for word in heads if best[word] == NAME]
    others = [word for word in heads if best[word] == ADDRESS]
    keys = {pair_key(a, b) for i, a in enumerate(names) for b in (*names[i + 1 :], *others)}
    rows.extend((key, party, PAIR) for key in keys)
    return rows


def _fetch(database: Database, sql: str, params: Iterable[Any]) -> list[tuple[Any, ...]]:
    return list(database.execute_sql(sql, tuple(params)).fetchall())


def _rows_for(database: Database, party_ids: list[int]) -> list[IndexRow]:
    """Read the indexed fields of ``party_ids`` in four queries and build their rows."""
    marks = ", ".join([database.param] * len(party_ids))
    persons: dict[int, list[str]] = {}
    for party, first, last in _fetch(
        database,
        f"SELECT party_id, first_name, last_name FROM contact_person WHERE party_id IN ({marks})",
        party_ids,
    ):
        persons.setdefault(party, []).extend((first, last))
    emails: dict[int, list[str]] = {}
    for party, address in _fetch(
        database, f"SELECT party_id, address FROM email WHERE party_id IN ({marks})", party_ids
    ):
        emails.setdefault(party, []).append(address)
    rows: list[IndexRow] = []
    for party, company, company2, first, last, street, postcode, city in _fetch(
        database,
        "SELECT id, company, company2, first_name, last_name, street, postcode, city "
        f"FROM party WHERE id IN ({marks})",
        party_ids,
    ):
        rows.extend(
            party_words(
                party,
                (company, company2, first, last),
                persons.get(party, ()),
                (street, postcode, city),
                emails.get(party, ()),
            )
        )
    return rows


def _insert(database: Database, rows: list[IndexRow]) -> None:
    if rows:
        database.cursor().executemany(
            "INSERT INTO search_word (word, party_id, kind) VALUES "
            f"({database.param}, {database.param}, {database.param})",
            rows,
        )


def reindex_parties(database: Database, party_ids: Iterable[int]) -> None:
    """Rebuild the index rows of some parties; call inside the transaction that changed them."""
    ids = sorted(set(party_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join([database.param] * len(chunk))
        database.execute_sql(f"DELETE FROM search_word WHERE party_id IN ({marks})", tuple(chunk))
        _insert(database, _rows_for(database, chunk))


def _id_chunks(database: Database) -> Iterator[list[int]]:
    last = 0
    while True:
        ids = [
            int(row[0])
            for row in _fetch(
                database,
                f"SELECT id FROM party WHERE id > {database.param} ORDER BY id LIMIT {CHUNK}",
                (last,),
            )
        ]
        if not ids:
            return
        yield ids
        last = ids[-1]


def rebuild(database: Database, progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild the whole index (after a bulk load or a migration); return the rows written.

    The two indexes of the table are dropped during the load and built once at the end.
    """
    total = int(_fetch(database, "SELECT COUNT(*) FROM party", ())[0][0])
    written = done = 0
    with database.atomic():
        database.execute_sql("DELETE FROM search_word")
        database.execute_sql("DROP INDEX IF EXISTS search_word_word")
        database.execute_sql("DROP INDEX IF EXISTS search_word_party")
    for ids in _id_chunks(database):
        rows = _rows_for(database, ids)
        with database.atomic():
            _insert(database, rows)
        written += len(rows)
        done += len(ids)
        if progress is not None:
            progress(done, total)
    with database.atomic():
        create_indexes(database)
    if is_sqlite(database):
        database.execute_sql("ANALYZE search_word")
    return written


def create_indexes(database: Database) -> None:
    """The two indexes of ``search_word`` (also used by the migration that adds the table)."""
    database.execute_sql(
        "CREATE INDEX IF NOT EXISTS search_word_word ON search_word (word, kind, party_id)"
    )
    database.execute_sql(
        "CREATE INDEX IF NOT EXISTS search_word_party ON search_word (party_id, word)"
    )
