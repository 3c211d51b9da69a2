"""Read queries of the account sheet, the sales statistics and the sales reports.

Every amount is summed in SQL on integer cents (exact on SQLite and PostgreSQL) and comes
back as an ``int``; the services turn it into Decimal. Revenue is the net of invoices minus
the net of credit notes, cancelled documents left out (:data:`REVENUE`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from peewee import Database

from tui_crm.db.connection import is_sqlite

SALES_WHERE = "d.kind IN ('invoice', 'credit_note') AND d.status <> 'cancelled'"
"""The documents that count as revenue (``d`` is the document table)."""

REVENUE = "SUM(CASE WHEN d.kind = 'invoice' THEN d.net_total ELSE -d.net_total END)"
"""Net revenue in cents: invoices minus credit notes."""

Row = tuple[Any, ...]
"""One result row."""


def _rows(database: Database, sql: str, params: Sequence[object] = ()) -> list[Row]:
    return [tuple(row) for row in database.execute_sql(sql, tuple(params)).fetchall()]


def period(database: Database, column: str, length: int) -> str:
    """SQL for the first ``length`` characters of ``YYYY-MM-DD`` of a date column (4: year,
    7: month). SQLite stores dates as ISO text, so a prefix needs no date function."""
    if is_sqlite(database):
        return f"substr({column}, 1, {length})"
    return f"to_char({column}, '{'YYYY' if length == 4 else 'YYYY-MM'}')"


def as_date(value: object) -> date:
    """A date column's value (ISO text on SQLite, a date on PostgreSQL) as a date."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


# A customer ------------------------------------------------------------------------------


def party_months(database: Database, party_id: int) -> list[tuple[str, int]]:
    """``(YYYY-MM, revenue cents)`` of every month the party has revenue documents in."""
    month = period(database, "d.date", 7)
    sql = (
        f"SELECT {month} AS m, {REVENUE} FROM document d "
        f"WHERE d.party_id = {database.param} AND {SALES_WHERE} GROUP BY m ORDER BY m"
    )
    return [(str(m), int(cents or 0)) for m, cents in _rows(database, sql, (party_id,))]


def party_articles(database: Database, party_id: int, this_year: date) -> list[Row]:
    """The party's revenue per article (lines without an article together under NULL).

    Returns:
        Rows ``(article_id, number, name, unit, group_code, group_name, quantity in
        thousandths, revenue cents, revenue cents since this_year, revenue cents of the year
        before this_year, last invoice date)``.
    """
    param = database.param
    last_year = date(this_year.year - 1, 1, 1).isoformat()
    sign = "CASE WHEN d.kind = 'invoice' THEN 1 ELSE -1 END"
    sql = (
        "SELECT l.article_id, a.number, a.name, a.unit, g.code, g.name, "
        f"SUM({sign} * l.quantity), SUM({sign} * l.net), "
        f"SUM(CASE WHEN d.date >= {param} THEN {sign} * l.net ELSE 0 END), "
        f"SUM(CASE WHEN d.date >= {param} AND d.date < {param} THEN {sign} * l.net ELSE 0 END), "
        "MAX(CASE WHEN d.kind = 'invoice' THEN d.date END) "
        "FROM document d JOIN document_line l ON l.document_id = d.id "
        "LEFT JOIN article a ON a.id = l.article_id "
        "LEFT JOIN article_group g ON g.id = a.group_id "
        f"WHERE d.party_id = {param} AND {SALES_WHERE} "
        "GROUP BY l.article_id, a.number, a.name, a.unit, g.code, g.name"
    )
    start = this_year.isoformat()
    return _rows(database, sql, (start, last_year, start, party_id))


ACCOUNT_UNION = """
SELECT d.date AS day, 0 AS rank, d.id AS id, d.number AS reference, '' AS note,
       d.gross_total AS amount
  FROM document d
 WHERE d.party_id = {p} AND d.kind = 'invoice' AND d.status <> 'cancelled'
UNION ALL
SELECT d.date, 1, d.id, d.number, '', -d.gross_total
  FROM document d
 WHERE d.party_id = {p} AND d.kind = 'credit_note' AND d.status <> 'cancelled'
UNION ALL
SELECT y.date, 2, y.id, d.number, y.method, -y.amount
  FROM payment y
  JOIN open_item o ON o.id = y.open_item_id
  JOIN document d ON d.id = o.document_id
 WHERE y.party_id = {p}
"""
"""Invoices (+gross), credit notes (-gross) and payments (-amount) of one party; ``rank``
orders the entries of one day: invoices, credit notes, payments."""


def account_page(
    database: Database, party_id: int, after: tuple[date, int, int] | None, limit: int
) -> list[Row]:
    """Entries ``(day, rank, id, reference, note, amount cents)`` after the key ``after``.

    Args:
        database: The open database.
        party_id: The party.
        after: ``(day, rank, id)`` of the last entry shown, or None for the first page.
        limit: How many entries at most.
    """
    p = database.param
    union = ACCOUNT_UNION.format(p=p)
    params: list[object] = [party_id] * 3
    where = ""
    if after is not None:
        where = (
            f"WHERE e.day > {p} "
            f"OR (e.day = {p} AND (e.rank > {p} OR (e.rank = {p} AND e.id > {p})))"
        )
        day = after[0].isoformat()
        params += [day, day, after[1], after[1], after[2]]
    sql = (
        f"SELECT e.day, e.rank, e.id, e.reference, e.note, e.amount FROM ({union}) e {where} "
        f"ORDER BY e.day, e.rank, e.id LIMIT {int(limit)}"
    )
    return _rows(database, sql, params)


def account_years(database: Database, party_id: int) -> list[tuple[str, int, int]]:
    """``(year, debit cents, credit cents)`` of the party's account, per year."""
    p = database.param
    year = period(database, "e.day", 4)
    sql = (
        f"SELECT {year} AS y, SUM(CASE WHEN e.amount > 0 THEN e.amount ELSE 0 END), "
        f"SUM(CASE WHEN e.amount < 0 THEN -e.amount ELSE 0 END) "
        f"FROM ({ACCOUNT_UNION.format(p=p)}) e GROUP BY y ORDER BY y"
    )
    return [
        (str(y), int(debit or 0), int(credit or 0))
        for y, debit, credit in _rows(database, sql, [party_id] * 3)
    ]


# The whole company -----------------------------------------------------------------------


def company_periods(database: Database, since: date, until: date, length: int) -> list[Row]:
    """``(period, revenue cents)`` of every month (``length`` 7) or year (4) in [since, until).

    Reads only the covering index ``document (kind, date, party_id, status, net_total)``.
    """
    p = database.param
    key = period(database, "d.date", length)
    sql = (
        f"SELECT {key} AS k, {REVENUE} FROM document d "
        f"WHERE {SALES_WHERE} AND d.date >= {p} AND d.date < {p} GROUP BY k ORDER BY k"
    )
    return [
        (str(k), int(cents or 0))
        for k, cents in _rows(database, sql, (since.isoformat(), until.isoformat()))
    ]


def lapsed_page(
    database: Database, before: date, since: date, after_party: int, limit: int
) -> list[Row]:
    """Parties with an invoice before ``before`` and none on or after ``since``, by id.

    Returns:
        Rows ``(party_id, first invoice date, last invoice date, revenue cents)`` of parties
        with an id greater than ``after_party``.
    """
    p = database.param
    # Walk the parties in id order on the (party_id, kind, …) index and stop after a page:
    # on SQLite the unary + keeps the planner off the kind-first index, which would group
    # every invoice before returning the first row (1 s instead of 1 ms on 1M customers).
    where = SALES_WHERE.replace("d.kind", "+d.kind", 1) if is_sqlite(database) else SALES_WHERE
    sql = (
        "SELECT d.party_id, MIN(CASE WHEN d.kind = 'invoice' THEN d.date END), "
        f"MAX(CASE WHEN d.kind = 'invoice' THEN d.date END) AS last_day, {REVENUE} "
        f"FROM document d WHERE {where} AND d.party_id > {p} "
        "GROUP BY d.party_id "
        f"HAVING MIN(CASE WHEN d.kind = 'invoice' THEN d.date END) < {p} "
        f"AND MAX(CASE WHEN d.kind = 'invoice' THEN d.date END) < {p} "
        f"ORDER BY d.party_id LIMIT {int(limit)}"
    )
    return _rows(database, sql, (after_party, before.isoformat(), since.isoformat()))


def revenue_page(
    database: Database, since: date, minimum: int, after: tuple[int, int] | None, limit: int
) -> list[Row]:
    """Parties whose revenue since ``since`` is at least ``minimum`` cents, highest first.

    Args:
        database: The open database.
        since: First day counted.
        minimum: Least revenue in cents.
        after: ``(revenue cents, party_id)`` of the last row shown, or None.
        limit: Rows at most.

    Returns:
        Rows ``(party_id, revenue cents, last invoice date)``.
    """
    p = database.param
    params: list[object] = [since.isoformat(), minimum]
    where = ""
    if after is not None:
        where = f"WHERE r.revenue < {p} OR (r.revenue = {p} AND r.party_id > {p})"
        params += [after[0], after[0], after[1]]
    sql = (
        "SELECT r.party_id, r.revenue, r.last_day FROM ("
        f"SELECT d.party_id AS party_id, {REVENUE} AS revenue, "
        "MAX(CASE WHEN d.kind = 'invoice' THEN d.date END) AS last_day "
        f"FROM document d WHERE {SALES_WHERE} AND d.date >= {p} "
        f"GROUP BY d.party_id HAVING {REVENUE} >= {p}) r {where} "
        f"ORDER BY r.revenue DESC, r.party_id LIMIT {int(limit)}"
    )
    return _rows(database, sql, params)


def parties(database: Database, ids: Sequence[int]) -> dict[int, Row]:
    """``id → (number, company, first name, last name, city, blocked)`` of ``ids``."""
    if not ids:
        return {}
    marks = ", ".join([database.param] * len(ids))
    sql = (
        "SELECT id, number, company, first_name, last_name, city, blocked FROM party "
        f"WHERE id IN ({marks})"
    )
    return {int(row[0]): row[1:] for row in _rows(database, sql, list(ids))}
