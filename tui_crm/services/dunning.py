"""The dunning run (Mahnlauf): propose the items due for their next level, then raise them.

An unsettled invoice with a positive balance at level ``n`` (0: never dunned) is due for
level ``n + 1`` when that level's days have passed since the due date (``after = "due"``)
or since the last dunning date (``after = "previous"``). Credit notes (negative balances)
and items at the last level are never proposed. Raising writes the new level and date on
the item, a :class:`DunningEvent` with the level's fee, and an audit row, for every item in
one transaction; an item changed meanwhile (paid, dunned by someone else: its version moved)
is skipped and reported. The fee is recorded on the event for the dunning letter; it does
not change the item's balance.

Then :func:`write_letters` writes one dunning letter per customer and level from the
level's template (:mod:`.letters`), each linked to its events; :func:`check_templates`
refuses a broken template before the run writes anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from tui_crm.config import DunningLevel
from tui_crm.db.connection import db
from tui_crm.db.models import AuditLog, DunningEvent, OpenItem, Party, now
from tui_crm.i18n import _
from tui_crm.services.documents import party_name
from tui_crm.services.open_items import audit_row
from tui_crm.services.roles import Permission, require
from tui_crm.services.transactions import retrying, writing

if TYPE_CHECKING:
    from tui_crm.config import Settings
    from tui_crm.services.letters import LetterRow


def level_name(levels: Sequence[DunningLevel], level: int) -> str:
    """The name of dunning level ``level`` (1-based): configured, else the default's."""
    if 1 <= level <= len(levels) and levels[level - 1].name:
        return levels[level - 1].name
    if level == len(levels):
        return _("Final notice")
    defaults = {1: _("Payment reminder"), 2: _("1st notice"), 3: _("2nd notice")}
    return defaults.get(level) or _("Level {level}").format(level=level)


@dataclass(frozen=True, slots=True)
class Proposal:
    """An open item due for its next dunning level."""

    item_id: int
    """Open item id."""
    version: int
    """The item's version when proposed (the run skips it if it moved)."""
    document_number: str
    """The invoice's number."""
    party_id: int
    """The customer's id."""
    party_number: str
    """The customer's number."""
    party_name: str
    """The customer's name."""
    blocked: bool
    """Whether the customer is blocked for credit."""
    due_date: date
    """The invoice's due date."""
    balance: Decimal
    """What is still open."""
    level: int
    """The level it has now."""
    last_dunning_date: date | None
    """When it was last dunned."""
    next_level: int
    """The level it would get."""
    fee: Decimal
    """The fee of the next level."""


@dataclass(frozen=True, slots=True)
class Skipped:
    """An item the run did not raise, and why."""

    item_id: int
    """Open item id."""
    document_number: str
    """The invoice's number."""
    reason: str
    """Why (paid or changed meanwhile)."""


@dataclass(frozen=True, slots=True)
class RunResult:
    """What a confirmed dunning run did."""

    raised: int
    """Items raised to their next level."""
    fees: Decimal
    """Sum of the fees of the events written."""
    skipped: tuple[Skipped, ...]
    """Items left out because they changed since the proposal."""


def _tuples(query: Any) -> list[tuple[Any, ...]]:
    return list(cast(Iterable[tuple[Any, ...]], query.tuples()))


_PROPOSAL_SQL = """
SELECT o.id, o.version, d.number, o.party_id, p.number, p.company, p.first_name, p.last_name,
       p.blocked, o.due_date, o.amount - o.paid, o.last_dunning_date
FROM open_item o
JOIN document d ON d.id = o.document_id
JOIN party p ON p.id = o.party_id
WHERE o.closed_at IS NULL AND o.dunning_level = {param} AND o.amount > o.paid
  AND o.due_date <= {param} {previous}
"""


def _date(value: Any) -> date | None:
    """A date from the driver: a ``date`` (PostgreSQL) or ISO text (SQLite)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def propose(
    levels: Sequence[DunningLevel], today: date, *, limit: int | None = None
) -> list[Proposal]:
    """The unsettled items due for their next level on ``today``, oldest due date first.

    One query per level; each reads one range of the unsettled items' partial index
    (``open_item_unsettled``). Rows are read with the driver, not Peewee's row conversion,
    which took longer than the query for tens of thousands of items.

    Args:
        levels: The configured levels (level 1 first).
        today: The day of the run.
        limit: The most proposals (None: all).
    """
    database = db.obj
    param = database.param
    proposals: list[Proposal] = []
    for current in range(len(levels)):
        wanted = levels[current]
        threshold = (today - timedelta(days=wanted.days)).isoformat()
        if wanted.after == "due" or current == 0:
            sql = _PROPOSAL_SQL.format(param=param, previous="")
            arguments: tuple[Any, ...] = (current, threshold)
        else:
            # Never before the due date itself, whatever the level's days.
            previous = f"AND COALESCE(o.last_dunning_date, o.due_date) <= {param}"
            sql = _PROPOSAL_SQL.format(param=param, previous=previous)
            arguments = (current, today.isoformat(), threshold)
        fee = wanted.fee
        for row in database.execute_sql(sql, arguments).fetchall():
            due = _date(row[9])
            assert due is not None
            proposals.append(
                Proposal(
                    item_id=row[0],
                    version=row[1],
                    document_number=row[2],
                    party_id=row[3],
                    party_number=row[4],
                    party_name=party_name(row[5], row[6], row[7]),
                    blocked=bool(row[8]),
                    due_date=due,
                    balance=Decimal(int(row[10])).scaleb(-2),
                    level=current,
                    last_dunning_date=_date(row[11]),
                    next_level=current + 1,
                    fee=fee,
                )
            )
    proposals.sort(key=lambda proposal: (proposal.due_date, proposal.item_id))
    return proposals if limit is None else proposals[:limit]


@retrying
def run(
    chosen: Sequence[Proposal], levels: Sequence[DunningLevel], today: date, clerk: str
) -> RunResult:
    """Raise every chosen item to its next level in one transaction.

    Args:
        chosen: Proposals the clerk kept.
        levels: The configured levels (for the fees).
        today: The dunning date written.
        clerk: Login of the clerk confirming the run.

    Returns:
        How many were raised, their fees, and the items skipped because they changed.
    """
    stamp = now()
    skipped: list[Skipped] = []
    events: list[dict[str, Any]] = []
    audit: list[dict[str, Any]] = []
    fees = Decimal("0.00")
    with writing() as database:
        clerk_id, clerk = require(clerk, Permission.ACCOUNTING)
        table = OpenItem._meta.table_name
        param = database.param
        sql = (
            f"UPDATE {table} SET dunning_level = {param}, last_dunning_date = {param}, "
            f"version = version + 1 WHERE id = {param} AND version = {param} "
            f"AND dunning_level = {param} AND closed_at IS NULL AND amount > paid"
        )
        day = OpenItem.last_dunning_date.db_value(today)
        for proposal in chosen:
            level = proposal.next_level
            if level > len(levels) or (
                database.execute_sql(
                    sql, (level, day, proposal.item_id, proposal.version, proposal.level)
                ).rowcount
                != 1
            ):
                skipped.append(
                    Skipped(
                        proposal.item_id,
                        proposal.document_number,
                        _("paid or changed meanwhile"),
                    )
                )
                continue
            fee = levels[level - 1].fee
            fees += fee
            events.append(
                {
                    "open_item": proposal.item_id,
                    "level": level,
                    "date": today,
                    "fee": fee,
                    "clerk": clerk_id,
                }
            )
            audit.append(
                audit_row(
                    proposal.party_id,
                    "open_item",
                    proposal.item_id,
                    "dunning_level",
                    proposal.level,
                    level,
                    clerk,
                    stamp,
                )
            )
        for start in range(0, len(events), 500):
            DunningEvent.insert_many(events[start : start + 500]).execute()
            AuditLog.insert_many(audit[start : start + 500]).execute()
    return RunResult(len(events), fees, tuple(skipped))


# Dunning letters -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LetterFailure:
    """A customer whose dunning letter could not be written (the levels stay raised)."""

    party_number: str
    """The customer."""
    message: str
    """Why."""


@dataclass(frozen=True, slots=True)
class LettersResult:
    """What :func:`write_letters` wrote."""

    written: tuple[LetterRow, ...]
    """One letter per customer and level."""
    failed: tuple[LetterFailure, ...]
    """Customers left without a letter; run :func:`write_letters` again for them."""


def check_templates(settings: Settings) -> None:
    """Check the dunning templates (every placeholder known) before a run writes anything.

    Raises:
        TemplateProblem: A template is unusable; its place and field are named.
    """
    from tui_crm.services import default_templates, templates

    default_templates.ensure_defaults(settings.templates_path)
    names = (default_templates.PAYMENT_REMINDER, *default_templates.DUNNING_TEMPLATES.values())
    for name in names:
        templates.load(settings.templates_path / name)


def letters_due(day: date) -> list[tuple[int, str, int, list[int], list[int], Decimal]]:
    """Dunning events of ``day`` without a letter, per customer and level:
    ``(party_id, party_number, level, event_ids, open_item_ids, fees)``."""
    rows = _tuples(
        DunningEvent.select(
            OpenItem.party,
            Party.number,
            DunningEvent.level,
            DunningEvent.id,
            DunningEvent.open_item,
            DunningEvent.fee,
        )
        .join(OpenItem, on=DunningEvent.open_item == OpenItem.id)
        .join(Party, on=OpenItem.party == Party.id)
        .where((DunningEvent.date == day) & DunningEvent.letter.is_null())
        .order_by(Party.number, DunningEvent.level, DunningEvent.id)
    )
    groups: dict[tuple[int, int], tuple[int, str, int, list[int], list[int], Decimal]] = {}
    for party_id, number, level, event_id, item_id, fee in rows:
        key = (int(party_id), int(level))
        if key not in groups:
            groups[key] = (int(party_id), str(number), int(level), [], [], Decimal("0.00"))
        party, shown, lvl, events, items, fees = groups[key]
        events.append(int(event_id))
        items.append(int(item_id))
        groups[key] = (party, shown, lvl, events, items, fees + Decimal(fee or 0))
    return list(groups.values())


def write_letters(
    day: date,
    clerk: str,
    settings: Settings,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> LettersResult:
    """Write the dunning letter of each customer and level raised on ``day``.

    One letter per customer and level, listing the items of that level, from the level's
    template (level 1 of the configured levels is the payment reminder, then the first,
    second and final notice). Each letter is written, recorded on the customer (letter and
    contact log) and linked to its dunning events in one transaction, so running it again
    writes only the letters still missing.

    Raises:
        TemplateProblem: A template is unusable (nothing is written from then on).
    """
    from tui_crm.errors import CrmError
    from tui_crm.services import letters
    from tui_crm.services.templates import TemplateProblem

    groups = letters_due(day)
    written: list[LetterRow] = []
    failed: list[LetterFailure] = []
    for done, (party_id, number, level, events, items, fees) in enumerate(groups, start=1):
        if cancelled is not None and cancelled():
            break
        try:
            with writing():
                # write_letter counts from 0 = payment reminder; the levels here from 1.
                row = letters.write_dunning_letter(
                    party_id, level - 1, clerk, settings, open_items=items, fee=fees, today=day
                )
                DunningEvent.update(letter=row.id).where(DunningEvent.id.in_(events)).execute()
        except TemplateProblem:
            raise
        except CrmError as error:  # this customer's letter (file, party); the rest go on
            failed.append(LetterFailure(number, error.msg))
        else:
            written.append(row)
        if progress is not None:
            progress(done, len(groups))
    return LettersResult(tuple(written), tuple(failed))
