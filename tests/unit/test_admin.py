"""Administration commands: clerks and roles, audit, backup/restore/check, db copy."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from tests.unit.test_cli import assert_one_line_error, run_cli
from tui_crm.db import migrations
from tui_crm.db.connection import db, open_database
from tui_crm.db.models import AuditLog, Clerk, Party
from tui_crm.services import editing, maintenance
from tui_crm.services.customers import ensure_clerk


def test_clerks_bootstrap_the_first_admin_then_only_admins_manage(
    tmp_path: Path, db_path: Path
) -> None:
    db.close()
    base = ("--db", str(db_path))
    refused = run_cli(tmp_path, *base, "--clerk", "eve", "clerk", "add", "carl")
    assert_one_line_error(refused, "no admin yet")
    assert run_cli(tmp_path, *base, "--clerk", "eve", "clerk", "add", "ada", "--role", "admin")
    refused = run_cli(tmp_path, *base, "--clerk", "eve", "clerk", "add", "mallory")
    assert_one_line_error(refused, "not a clerk")
    assert refused.returncode == 3
    added = run_cli(tmp_path, *base, "--clerk", "ada", "clerk", "add", "carl", "--name", "Carl")
    assert added.stdout == "carl clerk\n"
    assert run_cli(tmp_path, *base, "--clerk", "ada", "clerk", "role", "carl", "accounting")
    listed = run_cli(tmp_path, *base, "clerk", "list", "--json")
    assert [(row["login"], row["role"]) for row in json.loads(listed.stdout)] == [
        ("ada", "admin"),
        ("carl", "accounting"),
    ]
    refused = run_cli(tmp_path, *base, "--clerk", "carl", "clerk", "role", "ada", "inquiry")
    assert_one_line_error(refused, "carl (accounting) may not do this")


def test_audit_prints_who_changed_what(tmp_path: Path, people: Path) -> None:
    ensure_clerk("alice")
    party = int(Party.get(Party.number == "10001").id)
    stored = editing.snapshot(party)
    editing.save(party, stored.values, stored.version, replace(stored.values, city="Bonn"), "alice")
    db.close()
    result = run_cli(tmp_path, "--db", str(people), "audit", "--customer", "10001", "--json")
    rows = json.loads(result.stdout)
    assert [(r["clerk"], r["table"], r["field"], r["old"], r["new"]) for r in rows] == [
        ("alice", "party", "city", "Köln", "Bonn")
    ]
    assert rows[0]["customer"] == "10001"
    text = run_cli(tmp_path, "--db", str(people), "audit", "--since", "2020-01-01").stdout
    assert "alice" in text
    assert "party#" in text
    assert "city: Köln → Bonn" in text
    later = run_cli(tmp_path, "--db", str(people), "audit", "--since", "01.01.2099")
    assert (later.returncode, later.stdout) == (0, "")
    unknown = run_cli(tmp_path, "--db", str(people), "audit", "--customer", "999")
    assert_one_line_error(unknown, "999")


WRITER = """
import sys, time
from tui_crm.db.connection import open_database
from tui_crm.db.models import AuditLog, Party
from tui_crm.services.transactions import writing
open_database(sys.argv[1])
print("ready", flush=True)
index = 0
stop = time.monotonic() + float(sys.argv[2])
while time.monotonic() < stop:
    index += 1
    with writing():
        party = Party.insert(number=f"W{index}", last_name="Writer").execute()
        AuditLog.insert(table_name="party", row_id=party, field="number", clerk="w").execute()
"""


def test_backup_is_consistent_while_another_process_writes_and_rotates(
    tmp_path: Path, people: Path
) -> None:
    db.close()
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(people), "3"], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None
    assert writer.stdout.readline() == "ready\n"
    folder = tmp_path / "backups"
    folder.mkdir()
    made = []
    for _round in range(3):
        time.sleep(0.3)
        made.append(maintenance.backup(str(people), folder, keep=2))
    assert writer.wait(timeout=30) == 0
    assert len(made[2].removed) == 1
    assert sorted(folder.iterdir()) == sorted(result.path for result in made[1:])
    for result in made[1:]:
        assert maintenance.check_sqlite_file(result.path) == ([], migrations.LATEST)
        copy = sqlite3.connect(result.path)
        parties = copy.execute("SELECT COUNT(*) FROM party WHERE number LIKE 'W%'").fetchone()
        audits = copy.execute("SELECT COUNT(*) FROM audit_log WHERE clerk = 'w'").fetchone()
        copy.close()
        assert parties == audits  # one snapshot: never a party without its audit row
        assert parties[0] > 0
    with pytest.raises(maintenance.CrmError, match="folder"):
        maintenance.backup(str(people), tmp_path / "one.sqlite", keep=2)


def test_restore_checks_the_file_before_it_replaces_anything(tmp_path: Path, people: Path) -> None:
    backup = maintenance.backup(str(people), tmp_path / "backup.sqlite").path
    Party.update(city="Changed").execute()
    db.close()
    before = people.read_bytes()
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"SQLite format 3\x00" + b"\x01" * 4000)
    foreign = tmp_path / "foreign.sqlite"
    sqlite3.connect(foreign).execute("CREATE TABLE x (y)").connection.commit()
    newer = tmp_path / "newer.sqlite"
    newer.write_bytes(backup.read_bytes())
    with sqlite3.connect(newer) as connection:
        connection.execute("INSERT INTO schema_version VALUES (999, CURRENT_TIMESTAMP)")
    for bad, reason in (
        (garbage, "not restored"),
        (foreign, "not a tui-crm database"),
        (newer, "newer than this tui-crm"),
        (tmp_path / "missing.sqlite", "no such file"),
    ):
        result = run_cli(tmp_path, "--db", str(people), "restore", str(bad))
        assert_one_line_error(result, reason)
        assert people.read_bytes() == before
    result = run_cli(tmp_path, "--db", str(people), "restore", str(backup))
    assert result.returncode == 0, result.stderr
    assert Path(f"{people}.bak").exists()
    restored = sqlite3.connect(people)
    assert {row[0] for row in restored.execute("SELECT city FROM party")} == {
        "Köln",
        "Berlin",
        "Bonn",
    }
    restored.close()
    kept = sqlite3.connect(f"{people}.bak")
    assert {row[0] for row in kept.execute("SELECT city FROM party")} == {"Changed"}
    kept.close()


def test_check_finds_broken_foreign_keys(tmp_path: Path, people: Path) -> None:
    db.close()
    assert run_cli(tmp_path, "--db", str(people), "check").returncode == 0
    with sqlite3.connect(people) as connection:
        connection.execute("PRAGMA foreign_keys = OFF")
        connection.execute(
            "INSERT INTO bookmark (clerk_id, party_id, created_at) VALUES (1, 999, '2026-01-01')"
        )
    result = run_cli(tmp_path, "--db", str(people), "check")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "tui-crm: foreign key: bookmark row 1 refers to a missing party",
        "tui-crm: foreign key: bookmark row 1 refers to a missing clerk",
    ]


@pytest.mark.postgres
def test_db_copy_moves_everything_with_counts_and_sequences(
    tmp_path: Path, people: Path, pg_url: str
) -> None:
    ensure_clerk("alice")
    party = int(Party.get(Party.number == "10001").id)
    stored = editing.snapshot(party)
    mine = replace(stored.values, credit_limit=stored.values.credit_limit + 1)
    editing.save(party, stored.values, stored.version, mine, "alice")
    db.close()
    result = run_cli(tmp_path, "db", "copy", str(people), pg_url)
    assert result.returncode == 0, result.stderr
    assert "counts checked" in result.stdout
    open_database(pg_url)
    assert Party.select().count() == 3
    assert AuditLog.select().count() == 1
    assert Clerk.get(Clerk.login == "alice").active is True
    assert Party.get(Party.number == "10001").credit_limit == mine.credit_limit
    editing.create("customer", editing.PartyValues(last_name="Neu"), "alice")  # ids go on
    from tui_crm.services import customers

    assert [row.number for row in customers.search("mül köln")] == ["10001"]
    db.close()
    again = run_cli(tmp_path, "db", "copy", str(people), pg_url)
    assert_one_line_error(again, "holds data already")


@pytest.mark.postgres
def test_postgres_backup_uses_pg_dump_or_says_it_is_missing(tmp_path: Path, pg_url: str) -> None:
    migrations.migrate(open_database(pg_url))
    db.close()
    missing = run_cli(tmp_path, "--db", pg_url, "backup", str(tmp_path / "x.dump"), PATH="/none")
    assert_one_line_error(missing, "pg_dump, which is not installed")
    if not Path("/usr/bin/pg_dump").exists():
        pytest.skip("pg_dump is not installed here")
    made = run_cli(tmp_path, "--db", pg_url, "backup", str(tmp_path / "x.dump"))
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "x.dump").read_bytes().startswith(b"PGDMP")
