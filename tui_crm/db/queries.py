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


def word_hits(database: Database, terms: Sequence[str], limit: int) -> list[int]:
    """Parties that have, for every term, a word starting with it; name matches first.

    The longest term drives a range scan on ``search_word (word, kind, party_id)``; each other
    term is an ``EXISTS`` on ``(party_id, word)``.
    """
    if not terms:
        return []
    param = database.param
    drive = max(terms, key=len)
    others = list(terms)
    others.remove(drive)
    conditions = "".join(
        " AND EXISTS (SELECT 1 FROM search_word o WHERE o.party_id = w.party_id "
        f"AND o.word >= {param} AND o.word < {param})"
        for _term in others
    )
    params: list[object] = [drive, _next_prefix(drive)]
    for term in others:
        params.extend((term, _next_prefix(term)))
    found: dict[int, None] = {}
    for kinds in ("= 0", "> 0"):
        if len(found) >= limit:
            break
        sql = (
            f"SELECT w.party_id FROM search_word w WHERE w.word >= {param} AND w.word < {param} "
            f"AND w.kind {kinds}{conditions} LIMIT {int(limit - len(found)) * 3 + 10}"
        )
        for party in _ids(database, sql, params):
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
    rows = _dicts(
        Phone.select(Phone.party, Phone.e164).where(
            Phone.party.in_(party_ids) & Phone.is_main & Phone.contact_person.is_null()
        )
    )
    return {int(row["party"]): str(row["e164"]) for row in rows}


def party_phones(party_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    """Every own phone ``(kind, e164)`` of each party, main number first."""
    found: dict[int, list[tuple[str, str]]] = {}
    if not party_ids:
        return found
    query = (
        Phone.select(Phone.party, Phone.kind, Phone.e164)
        .where(Phone.party.in_(party_ids) & Phone.contact_person.is_null())
        .order_by(Phone.party, Phone.is_main.desc(), Phone.id)
    )
    for row in _dicts(query):
        found.setdefault(int(row["party"]), []).append((str(row["kind"]), str(row["e164"])))
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
