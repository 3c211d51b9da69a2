"""Read queries the screens need, each bounded by a limit (never a whole table)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from peewee import ModelSelect

from tui_crm.db.models import (
    Bookmark,
    Clerk,
    Email,
    NumberHistory,
    Party,
    Phone,
    RecentParty,
    now,
)
from tui_crm.db.text import words

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


def search_parties(query: str, limit: int) -> list[dict[str, Any]]:
    """Return up to ``limit`` parties matching ``query``: number prefix first, then names.

    Every folded word of the query must start a word of the party's search key, in any order.
    """
    text = query.strip()
    if not text:
        return []
    found: dict[int, dict[str, Any]] = {}
    if text.isdigit():
        by_number = (
            Party.select(*PARTY_COLUMNS)
            .where((Party.number >= text) & (Party.number < _next_prefix(text)))
            .order_by(Party.number)
            .limit(limit)
        )
        found.update((row["id"], row) for row in _dicts(by_number))
    terms = words(text)
    if terms and len(found) < limit:
        condition = None
        for term in terms:
            match = (" " + Party.search_key).contains(" " + term)
            condition = match if condition is None else condition & match
        by_name = (
            Party.select(*PARTY_COLUMNS)
            .where(condition)
            .order_by(Party.last_name, Party.company, Party.number)
            .limit(limit)
        )
        for row in _dicts(by_name):
            found.setdefault(row["id"], row)
    return list(found.values())[:limit]


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
