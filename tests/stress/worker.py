"""One clerk process of the concurrency stress test (``python -m tests.stress.worker``).

Arguments: DATABASE INDEX OPS SEED OUT PARTIES FOLLOW_UPS OPEN_ITEMS (ids comma-separated).
Each of OPS edits reads a record, then saves one changed field with the version it read:
a customer's notes or street, a follow-up's due date, or a payment on an open item. Every
outcome goes to OUT as a JSON line: ``accepted`` (with the value and the version after
it), ``conflict``, or ``error`` (which fails the test).
"""

from __future__ import annotations

import json
import random
import sys
import time
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from tui_crm.db.connection import open_database
from tui_crm.db.models import OpenItem
from tui_crm.services import editing, followups, open_items


def main(argv: list[str]) -> int:
    """Run the edits; return 0."""
    target, index, ops, seed, out = argv[0], int(argv[1]), int(argv[2]), int(argv[3]), argv[4]
    parties, follow_ups, items = ([int(x) for x in arg.split(",")] for arg in argv[5:8])
    open_database(target)
    login = f"w{index}"
    rng = random.Random(seed * 1000 + index)
    results = []
    for step in range(ops):
        kind = rng.choice(("party", "party", "follow_up", "payment"))
        unique = index * ops + step
        pause = rng.random() * 0.002  # between reading and saving: others get in between
        record: dict[str, object] = {"kind": kind, "worker": index, "step": step}
        try:
            if kind == "party":
                party = rng.choice(parties)
                field = rng.choice(("notes", "street"))
                value = f"{login}-{step}"
                stored = editing.snapshot(party)
                time.sleep(pause)
                mine = replace(stored.values, **{field: value})
                try:
                    version = editing.save(party, stored.values, stored.version, mine, login)
                except editing.ConflictError:
                    record.update(outcome="conflict", id=party)
                else:
                    record.update(
                        outcome="accepted", id=party, field=field, value=value, version=version
                    )
            elif kind == "follow_up":
                follow_up = rng.choice(follow_ups)
                row = followups.get(follow_up)
                time.sleep(pause)
                due = date(2030, 1, 1) + timedelta(days=unique)
                try:
                    after = followups.postpone(follow_up, due, login, expected_version=row.version)
                except followups.FollowUpConflict:
                    record.update(outcome="conflict", id=follow_up)
                else:
                    record.update(
                        outcome="accepted",
                        id=follow_up,
                        field="due_date",
                        value=due.isoformat(),
                        version=after.version,
                    )
            else:
                item = rng.choice(items)
                version = int(OpenItem.select(OpenItem.version).where(OpenItem.id == item).scalar())
                time.sleep(pause)
                amount = Decimal(rng.randint(1, 9999)) / 100
                try:
                    paid = open_items.record_payment(
                        item, amount, date.today(), login, expected_version=version
                    ).item
                except open_items.ItemChanged:
                    record.update(outcome="conflict", id=item)
                else:
                    record.update(
                        outcome="accepted",
                        id=item,
                        field="paid",
                        value=f"{paid.paid:.2f}",
                        amount=f"{amount:.2f}",
                        version=paid.version,
                    )
        except Exception as error:  # reported to the test, which fails on it
            record.update(outcome="error", error=f"{type(error).__name__}: {error}")
        results.append(record)
    with open(out, "w", encoding="utf-8") as handle:
        for record in results:
            handle.write(json.dumps(record) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
