"""Letters from .docx templates: the shipped templates, split runs, tables, text boxes,
headers and footers, typographic quotes, unknown fields, the sandbox, escaping, file names,
the record, and dunning letters. Every file written is opened again with python-docx."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document as WordDocument
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

from tests.conftest import add_party
from tui_crm import i18n
from tui_crm.config import CompanySettings, Settings
from tui_crm.db.connection import db
from tui_crm.db.models import (
    ContactLog,
    ContactPerson,
    Document,
    Letter,
    OpenItem,
    Party,
)
from tui_crm.services import default_templates, letters, templates
from tui_crm.services.customers import ensure_clerk
from tui_crm.services.letters import LetterOptions
from tui_crm.services.templates import TemplateProblem

TODAY = date(2026, 11, 24)


@pytest.fixture(autouse=True)
def _german() -> object:
    i18n.setup("de")
    yield
    i18n.setup("en")


@pytest.fixture
def settings(people: Path, tmp_path: Path) -> Settings:
    """Settings with temp templates/documents folders, an own company, clerk alice."""
    with db.atomic():
        ensure_clerk("alice")
    return Settings(
        database=str(people),
        clerk="alice",
        templates_dir=str(tmp_path / "templates"),
        documents_dir=str(tmp_path / "docs"),
        company=CompanySettings(
            name="Muster & Söhne GmbH",
            street="Hauptstr. 1",
            postcode="50667",
            city="Köln",
            phone="0221 4711",
            iban="DE89370400440532013000",
        ),
    )


def docx_text(data: bytes | str | Path) -> str:
    """Every text of a .docx as python-docx reads it: body, tables, text boxes, headers,
    footers."""
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    document = WordDocument(source)
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    parts.extend(str(t.text or "") for t in document.element.body.xpath(".//w:txbxContent//w:t"))
    for section in document.sections:
        parts.extend(paragraph.text for paragraph in section.header.paragraphs)
        parts.extend(paragraph.text for paragraph in section.footer.paragraphs)
    return "\n".join(parts)


def template_file(tmp_path: Path, build: Callable[[object], None], name: str = "t.docx") -> Path:
    document = WordDocument()
    build(document)
    path = tmp_path / name
    document.save(str(path))
    return path


def party_id(number: str) -> int:
    return int(Party.get(Party.number == number).id)


def add_open_item(number: str, invoice: str, amount: str, due: date, paid: str = "0") -> None:
    party = Party.get(Party.number == number)
    document = Document.create(
        number=invoice, kind="invoice", party=party, date=date(2026, 9, 1), due_date=due
    )
    OpenItem.create(
        document=document, party=party, amount=Decimal(amount), paid=Decimal(paid), due_date=due
    )


# The shipped templates ----------------------------------------------------------------


def test_every_shipped_template_renders_and_reopens(settings: Settings) -> None:
    written = default_templates.ensure_defaults(settings.templates_path)
    assert sorted(path.name for path in written) == sorted(
        t.file for t in default_templates.DEFAULTS
    )
    Party.update(salutation="Herr", street="Domstr. 5", postcode="50668").where(
        Party.number == "10001"
    ).execute()
    add_open_item("10001", "RE-1001", "119.00", date(2026, 10, 1), paid="19.00")
    add_open_item("10001", "RE-1002", "50.00", date(2026, 12, 1))
    for path in written:
        data = letters.render_for(
            templates.load(path),
            party_id("10001"),
            "alice",
            settings,
            LetterOptions(subject="Betreff", dunning_level=1, fee=Decimal("5.00")),
            today=TODAY,
        )
        assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
        text = docx_text(data)
        assert "Herrn Hans Müller\nDomstr. 5\n50668 Köln" in text, path.name
        assert "Sehr geehrter Herr Müller," in text
        assert "Muster & Söhne GmbH · Hauptstr. 1 · 50667 Köln" in text
        assert "24.11.2026" in text
        assert "Kundennummer: 10001" in text
        if "dunning" in path.name or "reminder" in path.name:
            assert "RE-1001" in text
            assert "RE-1002" in text
            assert "100,00\xa0€" in text  # the balance of RE-1001
            assert "150,00\xa0€" in text  # the open total
        if "dunning" in path.name:
            assert "Mahngebühr: 5,00\xa0€" in text
            assert "155,00\xa0€" in text
    # A second call keeps the site's copies.
    assert default_templates.ensure_defaults(settings.templates_path) == []


def test_letter_is_written_recorded_and_never_overwritten(settings: Settings) -> None:
    default_templates.ensure_defaults(settings.templates_path)
    template = settings.templates_path / "letter.docx"
    first = letters.write_letter("10001", template, "alice", settings, today=TODAY)
    second = letters.write_letter(
        "10001", template, "alice", settings, options=LetterOptions(subject="Zweiter"), today=TODAY
    )
    folder = settings.documents_path / "10001"
    assert Path(first.path) == folder / "2026-11-24-letter.docx"
    assert Path(second.path) == folder / "2026-11-24-letter-2.docx"
    assert sorted(p.name for p in folder.iterdir()) == [
        "2026-11-24-letter-2.docx",
        "2026-11-24-letter.docx",
    ]
    assert "Zweiter" in docx_text(second.path)
    logged = list(ContactLog.select().where(ContactLog.kind == "letter").order_by(ContactLog.id))
    assert [row.letter_id for row in logged] == [first.id, second.id]
    assert [row.topic for row in logged] == ["letter", "Zweiter"]
    assert Party.get(Party.number == "10001").contact_count == 2
    assert [row.id for row in letters.letters_of(party_id("10001"))] == [second.id, first.id]


def test_contact_person_gets_the_address_line_and_the_greeting(settings: Settings) -> None:
    default_templates.ensure_defaults(settings.templates_path)
    company = party_id("10003")
    person = ContactPerson.create(
        party=company, salutation="Frau", title="Dr.", first_name="Erika", last_name="Weiß"
    )
    row = letters.write_letter(
        "10003",
        settings.templates_path / "letter.docx",
        "alice",
        settings,
        options=LetterOptions(contact_person=person.id),
        today=TODAY,
    )
    text = docx_text(row.path)
    assert "Straßenbau Weiß GmbH\nFrau Dr. Erika Weiß\nBonn" in text
    assert "Sehr geehrte Frau Dr. Weiß," in text
    assert row.contact_person == "Erika Weiß"
    other = ContactPerson.create(party=party_id("10001"), last_name="Fremd")
    with pytest.raises(letters.ValidationError):
        letters.write_letter(
            "10003",
            settings.templates_path / "letter.docx",
            "alice",
            settings,
            options=LetterOptions(contact_person=other.id),
        )


def test_salutation_lines_and_address_blocks() -> None:
    assert (
        letters.salutation_line("Frau", "Dr.", "Eva", "Müller") == "Sehr geehrte Frau Dr. Müller,"
    )
    assert letters.salutation_line("Herr", "", "Hans", "Meier") == "Sehr geehrter Herr Meier,"
    assert letters.salutation_line("", "", "", "") == "Sehr geehrte Damen und Herren,"
    assert letters.salutation_line("Firma", "", "", "X") == "Sehr geehrte Damen und Herren,"
    assert letters.salutation_line("", "", "Kim", "Lee") == "Guten Tag Kim Lee,"
    party = {
        "salutation": "Herr",
        "title": "",
        "first_name": "Jan",
        "last_name": "de Vries",
        "company": "",
        "company2": "",
        "street": "Damrak 1",
        "postcode": "1012 LG",
        "city": "Amsterdam",
        "country": "NL",
    }
    assert letters.address_lines(party, None, "DE") == [
        "Herrn Jan de Vries",
        "Damrak 1",
        "1012 LG Amsterdam",
        "NIEDERLANDE",
    ]
    i18n.setup("en")
    assert letters.salutation_line("Frau", "", "Eva", "Müller") == "Dear Ms Müller,"
    assert letters.salutation_line("", "", "", "") == "Dear Sir or Madam,"


# Placeholders as Word writes them ----------------------------------------------------


def _word_like(document: object) -> None:
    """Split runs, a table with a loop, a text box, header and footer, typographic quotes."""
    body = document  # type: ignore[assignment]
    paragraph = body.add_paragraph()  # type: ignore[attr-defined]
    for piece in ("Kunde: {", "{ cust", "omer.na", "me }", "}"):
        paragraph.add_run(piece).bold = piece == "omer.na"
    quoted = body.add_paragraph()  # type: ignore[attr-defined]
    quoted.add_run("Ort: {{ customer.city.replace(\u201eKöln\u201c, ")
    quoted.add_run("\u201aCologne\u2018) }}")
    table = body.add_table(rows=4, cols=2)  # type: ignore[attr-defined]
    table.rows[0].cells[0].text = "Nr. {{ customer.number }}"
    table.rows[1].cells[0].text = "{%tr for item in open_items %}"
    table.rows[2].cells[0].text = "{{ item.number }}"
    table.rows[2].cells[1].text = "{{ item.balance }}"
    table.rows[3].cells[0].text = "{%tr endfor %}"
    box = body.add_paragraph()  # type: ignore[attr-defined]
    box._p.append(
        parse_xml(
            f"<w:r {nsdecls('w')}><w:pict>"
            '<v:shape xmlns:v="urn:schemas-microsoft-com:vml" style="width:200pt;height:40pt">'
            "<v:textbox><w:txbxContent><w:p><w:r><w:t>Box: {{ customer.</w:t></w:r>"
            "<w:r><w:t>postcode }}</w:t></w:r></w:p></w:txbxContent></v:textbox>"
            "</v:shape></w:pict></w:r>"
        )
    )
    section = body.sections[0]  # type: ignore[attr-defined]
    header = section.header.paragraphs[0]
    header.add_run("Kopf {{ company.")
    header.add_run("name }}")
    section.footer.paragraphs[0].text = "Seite für {{ customer.number }} · {{ today }}"


def test_split_runs_tables_text_boxes_headers_footers_and_typographic_quotes(
    settings: Settings, tmp_path: Path
) -> None:
    Party.update(postcode="50667").where(Party.number == "10001").execute()
    add_open_item("10001", "RE-7", "10.00", date(2026, 1, 1))
    add_open_item("10001", "RE-8", "20.00", date(2026, 2, 1))
    path = template_file(tmp_path, _word_like)
    assert templates.check_file(path) == []
    data = letters.render_for(
        templates.load(path), party_id("10001"), "alice", settings, today=TODAY
    )
    text = docx_text(data)
    assert "Kunde: Hans Müller" in text
    assert "Ort: Cologne" in text
    assert "Nr. 10001" in text
    assert "RE-7\n10,00\xa0€\nRE-8\n20,00\xa0€" in text
    assert "Box: 50667" in text
    assert "Kopf Muster & Söhne GmbH" in text
    assert "Seite für 10001 · 24.11.2026" in text
    assert "{{" not in text
    assert "{%" not in text


def test_unknown_fields_are_named_with_their_place_before_anything_is_written(
    settings: Settings, tmp_path: Path
) -> None:
    def build(document: object) -> None:
        document.add_paragraph("Hallo")  # type: ignore[attr-defined]
        paragraph = document.add_paragraph("Name: {{ customer.nmae }}")  # type: ignore[attr-defined]
        paragraph.add_run(" und {{ custmer.city }}")
        document.add_paragraph(  # type: ignore[attr-defined]
            "{% for item in open_items %}{{ item.amout }}{% endfor %}"
        )
        document.sections[0].footer.paragraphs[0].text = "{{ company.nam }}"  # type: ignore[attr-defined]

    path = template_file(tmp_path, build, "bad.docx")
    problems = templates.check_file(path)
    assert problems == [
        'bad.docx: body, paragraph 2 "Name: {{ customer.nmae }} und {{ custmer.city }}": '
        "unknown field customer.nmae",
        'bad.docx: body, paragraph 2 "Name: {{ customer.nmae }} und {{ custmer.city }}": '
        "unknown field custmer",
        'bad.docx: body, paragraph 3 "{% for item in open_items %}{{ item.amout }}{% endfor %}":'
        " unknown field item.amout",
        'bad.docx: footer 1, paragraph 1 "{{ company.nam }}": unknown field company.nam',
    ]
    with pytest.raises(TemplateProblem) as failure:
        letters.write_letter("10001", path, "alice", settings)
    assert "customer.nmae" in failure.value.msg
    assert "(and 3 more)" in failure.value.msg
    assert not settings.documents_path.exists()
    assert Letter.select().count() == 0
    assert ContactLog.select().count() == 0


def test_syntax_errors_and_non_docx_files_are_reported(tmp_path: Path) -> None:
    broken = template_file(
        tmp_path,
        lambda d: d.add_paragraph("{% if customer.city %}offen"),
        "broken.docx",  # type: ignore[attr-defined]
    )
    (problem,) = templates.check_file(broken)
    assert problem.startswith("broken.docx: body")
    assert "endif" in problem or "end of template" in problem
    text = tmp_path / "x.docx"
    text.write_text("not a zip")
    assert templates.check_file(text) == ["x.docx: not a Word .docx file (File is not a zip file)"]


@pytest.mark.parametrize(
    "placeholder",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ customer.__class__ }}",
        "{{ customer.name.__class__.__base__.__subclasses__() }}",
        "{% set x = customer %}{{ x.__init__.__globals__ }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{{ (customer|attr('__class__')) }}",
        "{{ customer.name|attr('__class__')|attr('__mro__') }}",
        "{{ customer.name.format_map(customer) }}",
        "{{ lipsum.__globals__['os'].system('id') }}",
    ],
)
def test_templates_cannot_reach_python_internals(
    settings: Settings, tmp_path: Path, placeholder: str
) -> None:
    path = template_file(tmp_path, lambda d: d.add_paragraph(placeholder), "evil.docx")  # type: ignore[attr-defined]
    with pytest.raises(TemplateProblem):
        letters.write_letter("10001", path, "alice", settings)
    assert not settings.documents_path.exists()
    assert Letter.select().count() == 0


def test_the_sandbox_stops_what_the_checker_lets_through(
    settings: Settings, tmp_path: Path
) -> None:
    path = template_file(
        tmp_path,
        lambda d: d.add_paragraph("{{ customer|attr('__class__') }}"),
        "attr.docx",  # type: ignore[attr-defined]
    )
    compiled = templates.compile_template(path.read_bytes(), path.name)  # passes the checker
    with pytest.raises(TemplateProblem, match=r"attr\.docx: body"):
        letters.render_for(compiled, party_id("10001"), "alice", settings)


def test_names_with_markup_characters_quotes_umlauts_and_emoji_appear_literally(
    settings: Settings,
) -> None:
    default_templates.ensure_defaults(settings.templates_path)
    name = "Bäcker & Söhne <GmbH> \"Zum Ölberg\" 'Ä' 🥨 {{ x }} {% if %}"
    add_party("20001", "", "", name, "Lübeck & Co", "+4945112345", "0451 12345")
    Party.update(street="Straße\x0b des 17. Juni\f 1").where(Party.number == "20001").execute()
    row = letters.write_letter(
        "20001",
        settings.templates_path / "letter.docx",
        "alice",
        settings,
        options=LetterOptions(subject="<b>fett</b> & 'so'"),
    )
    data = Path(row.path).read_bytes()
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    text = docx_text(data)
    assert name in text
    assert "Lübeck & Co" in text
    assert "Straße des 17. Juni 1" in text
    assert "<b>fett</b> & 'so'" in text


def test_line_breaks_in_values_become_line_breaks(settings: Settings, tmp_path: Path) -> None:
    path = template_file(tmp_path, lambda d: d.add_paragraph("{{ customer.address_block }}"))  # type: ignore[attr-defined]
    data = letters.render_for(templates.load(path), party_id("10003"), "alice", settings)
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert "<w:br/>" in xml
    assert "Straßenbau Weiß GmbH\nBonn" in docx_text(data)


def test_fields_lists_the_catalogue() -> None:
    names = [name for name, _text in templates.catalogue_lines()]
    for expected in (
        "customer.salutation_line",
        "customer.address_block",
        "contact.name",
        "clerk.name",
        "company.iban",
        "today",
        "open_items",
        "item.balance",
        "document.gross_total",
        "line.net",
        "dunning.total",
    ):
        assert expected in names


# Dunning letters ------------------------------------------------------------------------


def test_dunning_letter_per_level_for_the_dunning_run(settings: Settings) -> None:
    add_open_item("10002", "RE-9", "80.00", date(2026, 8, 1))
    add_open_item("10002", "RE-10", "20.00", date(2026, 9, 1))
    item = OpenItem.select().order_by(OpenItem.id).first()
    party = party_id("10002")
    for level, title in (
        (0, "Zahlungserinnerung"),
        (1, "1. Mahnung"),
        (2, "2. Mahnung"),
        (5, "Letzte Mahnung"),
    ):
        with db.atomic():  # as inside the dunning run's transaction
            row = letters.write_dunning_letter(
                party,
                level,
                "alice",
                settings,
                open_items=[item.id] if level == 2 else None,
                fee=Decimal("2.50"),
                pay_by=date(2026, 12, 8),
                today=TODAY,
            )
        text = docx_text(row.path)
        assert title in text
        assert row.subject == title
        assert "RE-9" in text
        assert ("RE-10" in text) == (level != 2)
        if level:
            assert "Zu zahlen bis 08.12.2026" in text
    assert Letter.select().where(Letter.party == party).count() == 4
    assert ContactLog.select().where(ContactLog.kind == "letter").count() == 4


def test_open_in_viewer_only_locally(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "x.docx"
    path.write_bytes(b"x")
    monkeypatch.setenv("SSH_CONNECTION", "1 2 3 4")
    assert letters.over_ssh()
    assert letters.open_in_viewer(path) is False


def test_company_section_of_the_config(tmp_path: Path) -> None:
    from tui_crm.config import load_settings
    from tui_crm.errors import ConfigError

    config = tmp_path / "config.toml"
    config.write_text('[company]\nname = "Muster GmbH"\niban = "DE89"\n', encoding="utf-8")
    settings = load_settings(config)
    assert settings.company.name == "Muster GmbH"
    assert 'name = "Muster GmbH"' in settings.as_toml()
    config.write_text('[company]\nnmae = "X"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"config.toml:2: company.nmae: unknown setting"):
        load_settings(config)


def test_letter_rows_keep_their_time(settings: Settings) -> None:
    default_templates.ensure_defaults(settings.templates_path)
    row = letters.write_letter(
        "10001", settings.templates_path / "birthday.docx", "alice", settings
    )
    assert isinstance(row.created_at, datetime)
    assert row.subject == "Herzlichen Glückwunsch"
    assert "zu Ihrem Geburtstag" in docx_text(row.path)
