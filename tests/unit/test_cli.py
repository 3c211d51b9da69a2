"""The command line: one-line errors on stderr, exit codes, nothing written on failure."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tui_crm import __version__
from tui_crm.db import migrations


def run_cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "TUI_CRM_CONFIG_DIR": str(tmp_path / "config"),
        "TUI_CRM_DATA_DIR": str(tmp_path / "data"),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "tui_crm", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], text: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("tui-crm: ")
    assert text in lines[0]
    assert "Traceback" not in result.stderr


def test_version(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"tui-crm {__version__}"


def test_missing_directory(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "--db", str(tmp_path / "no" / "crm.sqlite"), "db", "version")
    assert_one_line_error(result, "does not exist")
    result = run_cli(tmp_path, "--db", str(tmp_path / "no" / "crm.sqlite"))
    assert_one_line_error(result, "does not exist")
    assert not (tmp_path / "no").exists()


def test_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "letter.docx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    result = run_cli(tmp_path, "--db", str(path))
    assert_one_line_error(result, "not a tui-crm database")
    assert path.read_bytes() == b"PK\x03\x04" + b"\x00" * 200
    assert sorted(p.name for p in tmp_path.iterdir()) == ["letter.docx"]


def test_foreign_sqlite_database(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE recipes (name TEXT)")
    result = run_cli(tmp_path, "--db", str(path))
    assert_one_line_error(result, "not a tui-crm database")
    with sqlite3.connect(path) as connection:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master")]
    assert tables == ["recipes"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file; permissions mean nothing")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite"
    path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    path.chmod(0)
    result = run_cli(tmp_path, "--db", str(path))
    assert_one_line_error(result, "cannot read")


def test_newer_schema_is_refused(tmp_path: Path, db_path: Path) -> None:
    with sqlite3.connect(db_path) as connection:
        connection.execute("INSERT INTO schema_version VALUES (42, '2031-01-01')")
    with sqlite3.connect(db_path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = db_path.read_bytes()
    for args in ((), ("db", "upgrade")):
        result = run_cli(tmp_path, "--db", str(db_path), *args)
        assert_one_line_error(result, "newer than this tui-crm understands")
    assert db_path.read_bytes() == before


def test_locked_database(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = run_cli(tmp_path, "--db", str(path), "db", "version", TUI_CRM_BUSY_TIMEOUT="0.3")
        assert_one_line_error(result, "locked by another process")
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_db_upgrade_and_version(tmp_path: Path, db_path: Path) -> None:
    result = run_cli(tmp_path, "--db", str(db_path), "db", "upgrade")
    assert result.returncode == 0
    assert "is current" in result.stdout
    result = run_cli(tmp_path, "--db", str(db_path), "db", "version")
    assert result.stdout.startswith(f"{migrations.LATEST} ")


def test_db_upgrade_of_missing_file_does_not_create_it(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "--db", str(tmp_path / "crm.sqlite"), "db", "upgrade")
    assert_one_line_error(result, "no such database")
    assert not (tmp_path / "crm.sqlite").exists()


def test_demo_refuses_to_overwrite(tmp_path: Path, db_path: Path) -> None:
    before = db_path.read_bytes()
    result = run_cli(tmp_path, "--db", str(db_path), "demo", "--customers", "5")
    assert_one_line_error(result, "exists already; use --force")
    assert db_path.read_bytes() == before


def test_command_line_does_not_import_textual_or_docx(tmp_path: Path) -> None:
    code = (
        "import sys; from tui_crm.cli import main; "
        "main(['config', 'show']); main(['--db', sys.argv[1], 'db', 'version']); "
        "bad = [m for m in ('textual', 'rich', 'docx') if m in sys.modules]; "
        "sys.exit(f'imported {bad}' if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "x.sqlite")],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "TUI_CRM_CONFIG_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr


def test_find_prints_matches_and_json(tmp_path: Path, people: Path) -> None:
    result = run_cli(tmp_path, "--db", str(people), "find", "mül", "köln")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:4] == ["10001", "Hans", "Müller", "Köln"]
    result = run_cli(tmp_path, "--db", str(people), "find", "+49 221 123456", "--json")
    assert result.returncode == 0
    import json

    found = json.loads(result.stdout)
    assert found == [
        {
            "number": "10001",
            "name": "Hans Müller",
            "kind": "customer",
            "city": "Köln",
            "phones": ["+49221123456"],
            "balance": "0.00",
            "blocked": False,
        }
    ]


def test_find_nothing_exits_1(tmp_path: Path, people: Path) -> None:
    result = run_cli(tmp_path, "--db", str(people), "find", "nobody-here")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "no customer or prospect matches" in result.stderr


def test_find_on_a_missing_database_does_not_create_it(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "--db", str(tmp_path / "crm.sqlite"), "find", "x")
    assert_one_line_error(result, "no such database")
    assert not (tmp_path / "crm.sqlite").exists()


def test_global_options_work_after_the_subcommand(tmp_path: Path, people: Path) -> None:
    result = run_cli(tmp_path, "find", "--db", str(people), "10001", "--limit", "1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("10001")
    result = run_cli(tmp_path, "--clerk", "bob", "config", "show", "--config", str(tmp_path / "c"))
    assert 'clerk = "bob"' in result.stdout


def test_followup_add_then_listed_as_json_and_ics(tmp_path: Path, people: Path) -> None:
    import json

    result = run_cli(
        tmp_path,
        "--db",
        str(people),
        "--clerk",
        "alice",
        "followup",
        "add",
        "10001",
        "--due",
        "+3",
        "--subject",
        "Angebot & <Preis>",
    )
    assert result.returncode == 0, result.stderr
    listed = run_cli(tmp_path, "--db", str(people), "--clerk", "alice", "followups", "--json")
    assert listed.returncode == 0, listed.stderr
    (row,) = json.loads(listed.stdout)
    assert (row["number"], row["subject"], row["owner"]) == ("10001", "Angebot & <Preis>", "alice")
    ics = run_cli(tmp_path, "--db", str(people), "--clerk", "alice", "followups", "--ics")
    from icalendar import Calendar

    (event,) = Calendar.from_ical(ics.stdout).walk("VEVENT")
    assert "Angebot & <Preis>" in str(event["SUMMARY"])
    other = run_cli(tmp_path, "--db", str(people), "--clerk", "bob", "followups", "--json")
    assert other.returncode != 0 or json.loads(other.stdout) == []


def test_followup_add_bad_input(tmp_path: Path, people: Path) -> None:
    base = ("--db", str(people), "--clerk", "alice", "followup", "add")
    result = run_cli(tmp_path, *base, "99999", "--due", "+1", "--subject", "x")
    assert_one_line_error(result, "No customer or prospect with number 99999")
    result = run_cli(tmp_path, *base, "10001", "--due", "someday", "--subject", "x")
    assert_one_line_error(result, "Not a date: someday")


def test_contact_add_updates_last_contact(tmp_path: Path, people: Path) -> None:
    result = run_cli(
        tmp_path,
        "--db",
        str(people),
        "--clerk",
        "alice",
        "contact",
        "add",
        "10002",
        "--kind",
        "phone_out",
        "--topic",
        "Rückruf",
        "--minutes",
        "4",
    )
    assert result.returncode == 0, result.stderr
    import sqlite3

    with sqlite3.connect(people) as connection:
        count, last = connection.execute(
            "SELECT contact_count, last_contact_at FROM party WHERE number = '10002'"
        ).fetchone()
        duration = connection.execute("SELECT duration_seconds FROM contact_log").fetchone()[0]
    assert count == 1
    assert last
    assert duration == 240


def test_show_prints_the_inquiry(tmp_path: Path, people: Path) -> None:
    import json

    result = run_cli(tmp_path, "--db", str(people), "show", "10003")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "10003: Straßenbau Weiß GmbH  (customer)"
    assert "0171 1234567" in result.stdout
    result = run_cli(tmp_path, "--db", str(people), "show", "10002", "--json")
    shown = json.loads(result.stdout)
    assert shown["values"]["last_name"] == "[bold]X[/]"
    assert shown["summary"]["open_balance"] == "0.00"
    assert shown["phones"][0]["e164"] == "+4930987654"
    result = run_cli(tmp_path, "--db", str(people), "show", "424242")
    assert result.returncode == 1
    assert "424242" in result.stderr


def test_mouse_and_colour_settings_reach_the_app(
    tmp_path: Path, people: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui_crm import cli
    from tui_crm.app import CrmApp

    seen: dict[str, object] = {}

    def run(self: CrmApp, **options: object) -> None:
        seen.update(options, theme=self.theme)

    monkeypatch.setattr(CrmApp, "run", run)
    monkeypatch.delenv("TEXTUAL_COLOR_SYSTEM", raising=False)
    monkeypatch.delenv("TEXTUAL_FPS", raising=False)
    monkeypatch.delenv("SSH_CONNECTION", raising=False)  # over SSH the mouse is off anyway
    config = tmp_path / "config.toml"
    config.write_text('mouse = false\ntheme = "tui-crm-16"\ncolor_system = "256"\n')
    assert cli.main(["--db", str(people), "--config", str(config)]) == 0
    assert seen == {"mouse": False, "theme": "tui-crm-16"}
    import os

    assert os.environ["TEXTUAL_COLOR_SYSTEM"] == "256"


def test_callerid_found_unknown_and_json(tmp_path: Path, people: Path) -> None:
    import json

    result = run_cli(tmp_path, "--db", str(people), "callerid", "+49 (0)221 123456")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\t")[:2] == ["10001", "Hans Müller"]
    result = run_cli(tmp_path, "--db", str(people), "callerid", "0221123456", "--json")
    answer = json.loads(result.stdout)
    assert (answer["status"], answer["matches"][0]["customer"]) == ("found", "10001")
    result = run_cli(tmp_path, "--db", str(people), "callerid", "0999 1234567")
    assert result.returncode == 1
    assert result.stdout == ""


def test_call_runs_the_command_backend_without_a_shell(tmp_path: Path, people: Path) -> None:
    import json
    import sqlite3

    from tests.fakes.argv_recorder import recorder

    script, out = recorder(tmp_path)
    config = tmp_path / "config.toml"
    config.write_text(
        f'[telephony]\nbackend = "command"\ncommand = ["{script}", "{{e164}}", "{{national}}"]\n'
    )
    result = run_cli(
        tmp_path, "--db", str(people), "--clerk", "alice", "--config", str(config), "call", "10001"
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_text()) == ["+49221123456", "0221123456"]
    with sqlite3.connect(people) as connection:
        kind, phone = connection.execute("SELECT kind, phone_e164 FROM contact_log").fetchone()
    assert (kind, phone) == ("phone_out", "+49221123456")
