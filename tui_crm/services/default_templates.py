"""The shipped letter templates, built with python-docx (no hand-made binaries in the repo).

:func:`ensure_defaults` writes each one into the templates folder when it is missing there, so
a site edits its copies in Word or LibreOffice and keeps them. The letter follows DIN 5008
form B: the address field 45 mm from the top edge and 20 mm from the left (a 25 mm left
margin here, inside the 85 mm window of a DL envelope), the information block beside it,
the subject, the salutation line, the text, the closing and a footer with the company's
registration and bank details.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class DefaultTemplate:
    """One shipped template."""

    file: str
    """File name in the templates folder."""
    subject: str
    """The subject a letter from it gets unless the clerk types another."""
    build: Callable[[], bytes]
    """Makes the ``.docx``."""


def _document(subject: str) -> tuple[Any, Any]:
    """A new A4 document with DIN 5008 form B margins, header, sender line and address field.

    Returns:
        The document and the ``Mm`` length function.
    """
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Mm, Pt

    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(11)
    style.paragraph_format.space_after = Pt(0)
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin, section.right_margin = Mm(25), Mm(20)
    section.top_margin, section.bottom_margin = Mm(45), Mm(30)
    section.header_distance, section.footer_distance = Mm(12), Mm(10)

    header = section.header.paragraphs[0]
    header.text = "{{ company.name }}"
    header.runs[0].bold = True
    header.runs[0].font.size = Pt(14)

    footer = section.footer.paragraphs[0]
    footer.text = (
        "{{ company.name }} · {{ company.street }} · {{ company.postcode }} {{ company.city }}"
        " · Tel. {{ company.phone }} · {{ company.email }}"
    )
    footer.runs[0].font.size = Pt(7)
    second = section.footer.add_paragraph(
        "{{ company.register }} · Geschäftsführung: {{ company.managing_director }}"
        " · USt-IdNr. {{ company.vat_id }} · {{ company.bank }} IBAN {{ company.iban }}"
        " BIC {{ company.bic }}"
    )
    second.runs[0].font.size = Pt(7)

    # Address field (85 mm) and information block side by side, 45 mm from the top.
    table = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False
    left, right = table.rows[0].cells
    left.width, right.width = Mm(100), Mm(65)
    sender = left.paragraphs[0]
    run = sender.add_run("{{ company.sender_line }}")
    run.font.size = Pt(7)
    run.underline = True
    left.add_paragraph("")
    left.add_paragraph("{{ customer.address_block }}")
    info = right.paragraphs[0]
    info.text = "Kundennummer: {{ customer.number }}"
    info.runs[0].font.size = Pt(9)
    for line in (
        "Ihr Ansprechpartner: {{ clerk.name }}",
        "Telefon: {{ clerk.phone }}",
        "E-Mail: {{ clerk.email }}",
        "",
        "Datum: {{ today }}",
    ):
        paragraph = right.add_paragraph(line)
        for run in paragraph.runs:
            run.font.size = Pt(9)
    document.add_paragraph("")
    document.add_paragraph("")
    title = document.add_paragraph()
    title.add_run(subject).bold = True
    document.add_paragraph("")
    document.add_paragraph("{{ customer.salutation_line }}")
    document.add_paragraph("")
    return document, Mm


def _closing(document: Any) -> None:
    document.add_paragraph("")
    document.add_paragraph("Mit freundlichen Grüßen")
    document.add_paragraph("")
    document.add_paragraph("")
    document.add_paragraph("{{ clerk.name }}")
    document.add_paragraph("{{ company.name }}")


def _items_table(document: Any, Mm: Any, *, dunning: bool) -> None:
    """The open items with a loop row (docxtpl's ``{%tr %}``) and the totals."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    headings = ["Rechnung", "Datum", "Fällig", "Betrag", "Bezahlt", "Offen"]
    fields = [
        "{{ item.number }}",
        "{{ item.date }}",
        "{{ item.due_date }}",
        "{{ item.amount }}",
        "{{ item.paid }}",
        "{{ item.balance }}",
    ]
    table = document.add_table(rows=5, cols=len(headings))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headings, strict=True):
        cell.paragraphs[0].add_run(text).bold = True
    table.rows[1].cells[0].text = "{%tr for item in open_items %}"
    for cell, text in zip(table.rows[2].cells, fields, strict=True):
        cell.text = text
    table.rows[3].cells[0].text = "{%tr endfor %}"
    total = table.rows[4].cells
    total[0].merge(total[4]).paragraphs[0].add_run("Summe offen").bold = True
    total[5].paragraphs[0].add_run("{{ open_total }}").bold = True
    for row in (table.rows[2], table.rows[4]):
        for cell in row.cells[3:]:
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if dunning:
        document.add_paragraph("")
        document.add_paragraph("Mahngebühr: {{ dunning.fee }}")
        document.add_paragraph("Verzugszinsen: {{ dunning.interest }}")
        fee = document.add_paragraph()
        fee.add_run("Zu zahlen bis {{ dunning.pay_by }}: {{ dunning.total }}").bold = True


def letter() -> bytes:
    """A plain letter: address, information block, subject, salutation, closing."""
    document, _mm = _document("{{ subject }}")
    document.add_paragraph("hier steht Ihr Text.")
    _closing(document)
    return _save(document)


def payment_reminder() -> bytes:
    """Zahlungserinnerung: a friendly note with the open items."""
    document, mm = _document("Zahlungserinnerung")
    document.add_paragraph(
        "sicher ist es Ihrer Aufmerksamkeit entgangen, dass die folgenden Rechnungen noch "
        "offen sind:"
    )
    document.add_paragraph("")
    _items_table(document, mm, dunning=False)
    document.add_paragraph("")
    document.add_paragraph(
        "Bitte überweisen Sie den offenen Betrag in den nächsten Tagen. Sollten Sie die "
        "Zahlung bereits veranlasst haben, betrachten Sie dieses Schreiben bitte als "
        "gegenstandslos."
    )
    _closing(document)
    return _save(document)


def _dunning(title: str, text: str, after: str) -> Callable[[], bytes]:
    def build() -> bytes:
        document, mm = _document(title)
        document.add_paragraph(text)
        document.add_paragraph("")
        _items_table(document, mm, dunning=True)
        document.add_paragraph("")
        document.add_paragraph(after)
        _closing(document)
        return _save(document)

    return build


def birthday() -> bytes:
    """Geburtstagsgruß."""
    document, _mm = _document("Herzlichen Glückwunsch zum Geburtstag")
    document.add_paragraph(
        "zu Ihrem Geburtstag gratulieren wir Ihnen herzlich und wünschen Ihnen Gesundheit, "
        "Glück und Erfolg für das neue Lebensjahr."
    )
    document.add_paragraph("")
    document.add_paragraph("Wir danken Ihnen für Ihr Vertrauen und freuen uns auf Ihren Besuch.")
    _closing(document)
    return _save(document)


def _save(document: Any) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


DEFAULTS: tuple[DefaultTemplate, ...] = (
    DefaultTemplate("letter.docx", "", letter),
    DefaultTemplate("payment-reminder.docx", "Zahlungserinnerung", payment_reminder),
    DefaultTemplate(
        "dunning-1.docx",
        "1. Mahnung",
        _dunning(
            "1. Mahnung",
            "leider konnten wir zu den folgenden Rechnungen bis heute keinen Zahlungseingang "
            "feststellen:",
            "Bitte überweisen Sie den Gesamtbetrag bis zum {{ dunning.pay_by }}.",
        ),
    ),
    DefaultTemplate(
        "dunning-2.docx",
        "2. Mahnung",
        _dunning(
            "2. Mahnung",
            "trotz unserer Mahnung sind die folgenden Rechnungen weiterhin offen:",
            "Wir bitten Sie dringend, den Gesamtbetrag bis zum {{ dunning.pay_by }} zu überweisen.",
        ),
    ),
    DefaultTemplate(
        "dunning-3.docx",
        "Letzte Mahnung",
        _dunning(
            "Letzte Mahnung",
            "trotz wiederholter Mahnungen sind die folgenden Rechnungen noch immer offen:",
            "Geht der Gesamtbetrag nicht bis zum {{ dunning.pay_by }} bei uns ein, übergeben "
            "wir die Forderung ohne weitere Ankündigung einem Inkassounternehmen bzw. "
            "leiten das gerichtliche Mahnverfahren ein.",
        ),
    ),
    DefaultTemplate("birthday.docx", "Herzlichen Glückwunsch", birthday),
)
"""The shipped templates."""

DUNNING_TEMPLATES = {1: "dunning-1.docx", 2: "dunning-2.docx", 3: "dunning-3.docx"}
"""Template file per dunning level (3 and above: the final notice)."""

PAYMENT_REMINDER = "payment-reminder.docx"
"""The payment reminder (Zahlungserinnerung), before the first dunning level."""


def default_subject(file_name: str) -> str:
    """The subject a letter from the shipped template ``file_name`` gets (else empty)."""
    for template in DEFAULTS:
        if template.file == file_name:
            return template.subject
    return ""


def ensure_defaults(folder: Path) -> list[Path]:
    """Write every shipped template missing from ``folder``; return the paths written.

    Existing files are never touched: a site's edited copy stays.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for template in DEFAULTS:
        path = folder / template.file
        if path.exists():
            continue
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_bytes(template.build())
        temporary.replace(path)
        written.append(path)
    return written
