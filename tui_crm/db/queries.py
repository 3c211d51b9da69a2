"""Read queries the screens need, each bounded by a limit (never a whole table)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

from peewee import Database, ModelSelect

from tui_crm.db.models import (
    Bookmark,
    Clerk,
    Email,
    NumberHistory,
    OpenItem,
    Party,
    Phone,
    RecentParty,
    now,
)
from tui_crm.db.search_index import NAME, PAIR, PAIR_HEAD, pair_key

PARTY_COLUMNS = (
    Party.id,
    Party.number,
    Party.kind,
    Party.company,
    Party.first_name,
    Party.last_name,
    Party.city,
    Party.blocked,
)


def _dicts(query: ModelSelect[Any]) -> list[dict[str, Any]]:
    """Run a ``.dicts()`` query (the stubs type it as model rows)."""
    return list(cast(Iterable[dict[str, Any]], query.dicts()))


def _next_prefix(prefix: str) -> str:
    """The smallest string greater than every string starting with ``prefix``."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _ids(database: Database, sql: str, params: Sequence[object]) -> list[int]:
    return [int(row[0]) for row in database.execute_sql(sql, tuple(params)).fetchall()]


def number_hits(database: Database, number: str, limit: int) -> list[int]:
    """Parties whose number is ``number`` (first) or starts with it, in number order."""
    param = database.param
    exact = _ids(database, f"SELECT id FROM party WHERE number = {param}", (number,))
    if limit <= len(exact):
        return exact[:limit]
    prefixed = _ids(
        database,
        f"SELECT id FROM party WHERE number > {param} AND number < {param} "
        f"ORDER BY number LIMIT {int(limit)}",
        (number, _next_prefix(number)),
    )
    return exact + [found for found in prefixed if found not in exact][: limit - len(exact)]


def former_number_hits(database: Database, number: str) -> list[int]:
    """Parties that had ``number`` before (a prospect number kept after conversion)."""
    return _ids(
        database,
        f"SELECT party_id FROM number_history WHERE number = {database.param}",
        (number,),
    )


def phone_prefix_hits(database: Database, e164_prefix: str, limit: int) -> list[int]:
    """Parties with a phone (their own or a contact person's) starting with ``e164_prefix``."""
    return _ids(
        database,
        f"SELECT party_id FROM phone WHERE e164 >= {database.param} AND e164 < {database.param} "
        f"ORDER BY e164 LIMIT {int(limit)}",
        (e164_prefix, _next_prefix(e164_prefix)),
    )


def phone_hits(database: Database, national_digits: str, limit: int) -> list[int]:
    """Parties with a phone (their own or a contact person's) ending in ``national_digits``.

    Whole numbers come first, then numbers that merely end in the digits.
    """
    reversed_digits = national_digits[::-1]
    rows = database.execute_sql(
        f"SELECT party_id, reversed_digits FROM phone WHERE reversed_digits >= {database.param} "
        f"AND reversed_digits < {database.param} ORDER BY reversed_digits LIMIT {int(limit) * 2}",
        (reversed_digits, _next_prefix(reversed_digits)),
    ).fetchall()
    whole: dict[int, None] = {}
    tail: dict[int, None] = {}
    for party, stored in rows:
        # The stored digits are the reversed E.164 digits: national number, then country code.
        rest = stored[len(reversed_digits) :]
        (whole if len(rest) <= 3 else tail).setdefault(int(party), None)
    ordered = list(whole) + [party for party in tail if party not in whole]
    return ordered[:limit]


def _term_conditions(database: Database, terms: Sequence[str]) -> tuple[str, list[object]]:
    """``EXISTS`` conditions (and their parameters) requiring a word starting with each term.

    A pair key in a term's range (``mul|kol`` for ``mu``) was made from a word with that head,
    so the conditions need not exclude pair rows, and stay on the covering index.
    """
    param = database.param
    sql = "".join(
        " AND EXISTS (SELECT 1 FROM search_word o WHERE o.party_id = w.party_id "
        f"AND o.word >= {param} AND o.word < {param})"
        for _term in terms
    )
    params: list[object] = []
    for term in terms:
        params.extend((term, _next_prefix(term)))
    return sql, params


def word_hits(database: Database, terms: Sequence[str], limit: int) -> list[int]:
    """Parties that have, for every term, a word starting with it; name matches first.

    Two or more terms of three letters or more look up the pair key of the two longest
    (:func:`.search_index.pair_key`) and check every term on ``(party_id, word)``; if that
    finds nothing (the words may be a contact person's or an email), or the terms are shorter,
    the longest term drives a range scan on ``(word, kind, party_id)`` with the same checks.
    """
    if not terms:
        return []
    param = database.param
    heads = sorted((term for term in terms if len(term) >= PAIR_HEAD), key=len, reverse=True)
    if len(heads) >= 2:
        conditions, params = _term_conditions(database, terms)
        paired = _ids(
            database,
            f"SELECT w.party_id FROM search_word w WHERE w.word = {param} AND w.kind = {PAIR}"
            f"{conditions} LIMIT {int(limit)}",
            [pair_key(heads[0], heads[1]), *params],
        )
        if paired:
            return paired
    drive = max(terms, key=len)
    others = list(terms)
    others.remove(drive)
    conditions, params = _term_conditions(database, others)
    found: dict[int, None] = {}
    for kinds in (f"= {NAME}", f"> {NAME} AND w.kind < {PAIR}"):
        if len(found) >= limit:
            break
        sql = (
            f"SELECT w.party_id FROM search_word w WHERE w.word >= {param} AND w.word < {param} "
            f"AND w.kind {kinds}{conditions} LIMIT {int(limit - len(found)) * 3 + 10}"
        )
        for party in _ids(database, sql, [drive, _next_prefix(drive), *params]):
            found.setdefault(party, None)
    return list(found)[:limit]


def party_rows(database: Database, ids: Sequence[int]) -> list[dict[str, Any]]:
    """The list columns of ``ids`` (in that order) with their open items balance."""
    if not ids:
        return []
    marks = ", ".join([database.param] * len(ids))
    rows = {
        int(row["id"]): row
        for row in _dicts(Party.select(*PARTY_COLUMNS).where(Party.id.in_(list(ids))))
    }
    balances = dict(
        database.execute_sql(
            "SELECT party_id, SUM(amount - paid) FROM open_item "
            f"WHERE closed_at IS NULL AND party_id IN ({marks}) GROUP BY party_id",
            tuple(ids),
        ).fetchall()
    )
    result = []
    for party_id in ids:
        row = rows.get(party_id)
        if row is not None:
            result.append({**row, "balance": OpenItem.amount.to_decimal(balances.get(party_id))})
    return result


def main_phones(party_ids: list[int]) -> dict[int, str]:
    """Return the main phone (E.164) of each party that has one."""
    if not party_ids:
        return {}
    return {party: numbers[0][1] for party, numbers in party_phones(party_ids).items() if numbers}


def party_phones(party_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """Every own phone ``(kind, e164)`` of each party, main number first."""
    found: dict[int, list[tuple[str, str]]] = {}
    if not party_ids:
        return found
    database = Phone._meta.database
    marks = ", ".join([database.param] * len(party_ids))
    # Filtering contact_person_id in Python keeps the planner on the party index: the
    # contact person index would read every phone without one.
    rows = database.execute_sql(
        "SELECT party_id, kind, e164, contact_person_id FROM phone "
        f"WHERE party_id IN ({marks}) ORDER BY party_id, is_main DESC, id",
        tuple(party_ids),
    ).fetchall()
    for party, kind, e164, person in rows:
        if person is None:
            found.setdefault(int(party), []).append((str(kind), str(e164)))
    return found


def clerk_id(login: str) -> int | None:
    """Return the id of the clerk with ``login``, or None."""
    row = Clerk.select(Clerk.id).where(Clerk.login == login).tuples().first()
    return int(row[0]) if row else None


def recent_parties(clerk: int, limit: int) -> list[dict[str, Any]]:
    """The parties ``clerk`` opened last, newest first."""
    return _dicts(
        Party.select(*PARTY_COLUMNS)
        .join(RecentParty, on=(RecentParty.party == Party.id))
        .where(RecentParty.clerk == clerk)
        .order_by(RecentParty.opened_at.desc(), RecentParty.id.desc())
        .limit(limit)
    )


def bookmarked_parties(clerk: int, limit: int) -> list[dict[str, Any]]:
    """The parties ``clerk`` bookmarked, newest first."""
    return _dicts(
        Party.select(*PARTY_COLUMNS)
        .join(Bookmark, on=(Bookmark.party == Party.id))
        .where(Bookmark.clerk == clerk)
        .order_by(Bookmark.created_at.desc(), Bookmark.id.desc())
        .limit(limit)
    )


def touch_recent(clerk: int, party: int) -> None:
    """Record that ``clerk`` opened ``party`` (one row per clerk and party)."""
    updated = (
        RecentParty.update(opened_at=now())
        .where((RecentParty.clerk == clerk) & (RecentParty.party == party))
        .execute()
    )
    if not updated:
        RecentParty.insert(clerk=clerk, party=party, opened_at=now()).execute()


def party_by_number(number: str) -> Party | None:
    """Return the party with ``number`` (current or former), or None."""
    party = Party.get_or_none(Party.number == number)
    if party is None:
        former = NumberHistory.select(NumberHistory.party).where(NumberHistory.number == number)
        party = Party.get_or_none(Party.id.in_(former))
    return party


def party_contacts(party: int) -> tuple[list[Phone], list[Email]]:
    """The party's own phones (main first) and emails."""
    phones = list(
        Phone.select()
        .where((Phone.party == party) & Phone.contact_person.is_null())
        .order_by(Phone.is_main.desc(), Phone.id)
    )
    emails = list(
        Email.select()
        .where((Email.party == party) & Email.contact_person.is_null())
        .order_by(Email.is_main.desc(), Email.id)
    )
    return phones, emails
