"""Mail merge (Serienbrief): select customers by filters, render one letter each, record them.

The template is compiled (and so checked) before the first letter. The customers' field
values are read in batches in this process; the letters are rendered by a pool of worker
processes that each compile the template once (both cores of a two-core machine), and each
batch is recorded as :class:`Letter` rows with the mailing's id in one transaction as soon
as its files are there. Cancelling stops handing out batches; the batches under way finish,
are written and recorded, so every file written has its row and the mailing's count says
how many there are. A combined document (docxcompose, a page break between letters) is
written at the end, or at the cancel, with the letters rendered so far.
"""

from __future__ import annotations

import io
import json
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from peewee import Case, fn

from tui_crm.config import Settings
from tui_crm.db.models import CustomerGroup, Document, Email, Mailing, OpenItem, Party
from tui_crm.errors import ValidationError
from tui_crm.i18n import _
from tui_crm.services import letters, roles
from tui_crm.services.editing import tuples
from tui_crm.services.roles import Permission
from tui_crm.services.templates import CompiledTemplate
from tui_crm.services.transactions import writing

BATCH = 25
"""Letters per task handed to a worker process (the grain of cancelling)."""

POOL_FROM = 500
"""Merges of fewer letters are rendered in this process: starting the worker processes
(spawned, about a second) costs more than a core renders in that time."""

SAMPLE = 5
"""Customers shown as a sample before the merge."""


@dataclass(frozen=True, slots=True)
class MergeFilters:
    """Which customers a mail merge goes to; empty fields do not filter."""

    kind: str = ""
    """``customer``, ``prospect`` or empty for both."""
    group: str = ""
    """Customer group code."""
    postcode_from: str = ""
    """Lowest postcode (inclusive, compared as text: 50000 … 51999)."""
    postcode_to: str = ""
    """Highest postcode (inclusive)."""
    city: str = ""
    """City (exact, as stored)."""
    birthday_month: int | None = None
    """Month of the birthday (1-12)."""
    lapsed_since: date | None = None
    """Customers who bought before this day but not since (no invoice from it on)."""
    revenue_since: date | None = None
    """Start of the period for :attr:`revenue_min`."""
    revenue_min: Decimal | None = None
    """Least revenue (invoices minus credit notes, gross) since :attr:`revenue_since`."""
    open_items: bool | None = None
    """True: only customers with open items; False: only those without."""
    marketing_source: str = ""
    """Marketing source (exact)."""
    email: bool | None = None
    """True: only customers with an email address; False: only those without."""

    def describe(self) -> str:
        """The filters as JSON (stored on the mailing)."""
        values = {key: value for key, value in asdict(self).items() if value not in ("", None)}
        return json.dumps(values, default=str, ensure_ascii=False, sort_keys=True)

    def check(self) -> None:
        """Raise :class:`ValidationError` for values that cannot filter."""
        if self.kind not in ("", "customer", "prospect"):
            raise ValidationError(_("Kind is customer or prospect."), title=_("Mail merge"))
        if self.birthday_month is not None and not 1 <= self.birthday_month <= 12:
            raise ValidationError(_("The birthday month is 1 to 12."), title=_("Mail merge"))
        if self.revenue_min is not None and self.revenue_since is None:
            raise ValidationError(
                _("A least revenue needs the day it counts from."), title=_("Mail merge")
            )


@dataclass(frozen=True, slots=True)
class SampleRow:
    """A customer of the selection."""

    id: int
    """Party id."""
    number: str
    """Customer number."""
    name: str
    """Company, else first and last name."""
    postcode: str
    """Postcode."""
    city: str
    """City."""


@dataclass(frozen=True, slots=True)
class MergeResult:
    """What a mail merge did."""

    mailing_id: int
    """The recorded mailing."""
    written: int
    """Letters written and recorded."""
    total: int
    """Customers selected."""
    cancelled: bool
    """Whether it was cancelled before the end."""
    folder: Path | None
    """Where the single letters went (None: each customer's folder, or combined)."""
    combined: Path | None
    """The combined document, when one was asked for."""


_YES = ("yes", "y", "ja", "j", "true", "1")
_NO = ("no", "n", "nein", "false", "0")


def _flag(text: str, label: str) -> bool | None:
    word = text.strip().lower()
    if not word:
        return None
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise ValidationError(
        _("{field}: yes or no, not {text}.").format(field=label, text=text), title=_("Mail merge")
    )


def filters_from(
    *,
    kind: str = "",
    group: str = "",
    postcode: str = "",
    city: str = "",
    birthday_month: str = "",
    lapsed_since: str = "",
    revenue_since: str = "",
    revenue_min: str = "",
    open_items: str = "",
    source: str = "",
    email: str = "",
) -> MergeFilters:
    """Filters from what a clerk typed (the merge screen and the command line).

    ``postcode`` is a range ``50000-51999`` or one postcode; dates are ``24.12.2026`` or ISO;
    ``open_items`` and ``email`` are yes/no (ja/nein) or empty.

    Raises:
        ValidationError: A value cannot be read; the message names the field.
    """
    from tui_crm.services import validation

    low, _dash, high = postcode.strip().partition("-")
    month: int | None = None
    if birthday_month.strip():
        month = validation.whole_number(birthday_month.strip(), 1, 12)

    def day_of(text: str) -> date | None:
        return validation.day(text.strip()) if text.strip() else None

    filters = MergeFilters(
        kind={"kunde": "customer", "interessent": "prospect"}.get(
            kind.strip().lower(), kind.strip().lower()
        ),
        group=group.strip(),
        postcode_from=low.strip(),
        postcode_to=(high.strip() if _dash else low.strip()),
        city=city.strip(),
        birthday_month=month,
        lapsed_since=day_of(lapsed_since),
        revenue_since=day_of(revenue_since),
        revenue_min=validation.amount(revenue_min.strip()) if revenue_min.strip() else None,
        open_items=_flag(open_items, _("Open items")),
        marketing_source=source.strip(),
        email=_flag(email, _("Email")),
    )
    filters.check()
    return filters


def _invoices() -> Any:
    return Document.select(Document.id).where(
        (Document.party == Party.id)
        & (Document.kind == "invoice")
        & Document.status.not_in(("draft", "cancelled"))
    )


def select(filters: MergeFilters) -> Any:
    """The query of the selected parties' ids, in postcode order (cheaper postage)."""
    filters.check()
    query = Party.select(Party.id)
    conditions: list[Any] = []
    if filters.kind:
        conditions.append(Party.kind == filters.kind)
    if filters.group:
        query = query.join(CustomerGroup, on=(CustomerGroup.id == Party.group))
        conditions.append(CustomerGroup.code == filters.group)
    if filters.postcode_from:
        conditions.append(Party.postcode >= filters.postcode_from)
    if filters.postcode_to:
        conditions.append(Party.postcode <= filters.postcode_to)
    if filters.city:
        conditions.append(Party.city == filters.city)
    if filters.birthday_month is not None:
        conditions.append(Party.birthday.month == filters.birthday_month)
    if filters.marketing_source:
        conditions.append(Party.marketing_source == filters.marketing_source)
    if filters.lapsed_since is not None:
        since = filters.lapsed_since
        conditions.append(fn.EXISTS(_invoices().where(Document.date < since)))
        conditions.append(~fn.EXISTS(_invoices().where(Document.date >= since)))
    if filters.revenue_since is not None:
        total = Document.select(
            fn.COALESCE(
                fn.SUM(
                    Case(
                        Document.kind,
                        (
                            ("invoice", Document.gross_total),
                            ("credit_note", 0 - Document.gross_total),
                        ),
                        0,
                    )
                ),
                0,
            )
        ).where(
            (Document.party == Party.id)
            & (Document.date >= filters.revenue_since)
            & Document.status.not_in(("draft", "cancelled"))
        )
        least = filters.revenue_min if filters.revenue_min is not None else Decimal("0.01")
        conditions.append(total >= Document.gross_total.db_value(least))
    if filters.open_items is not None:
        has = fn.EXISTS(
            OpenItem.select(OpenItem.id).where(
                (OpenItem.party == Party.id) & OpenItem.closed_at.is_null()
            )
        )
        conditions.append(has if filters.open_items else ~has)
    if filters.email is not None:
        has = fn.EXISTS(Email.select(Email.id).where(Email.party == Party.id))
        conditions.append(has if filters.email else ~has)
    for condition in conditions:
        query = query.where(condition)
    return query.order_by(Party.postcode, Party.number)


def count(filters: MergeFilters) -> int:
    """How many customers the filters select."""
    return int(select(filters).count())


def sample(filters: MergeFilters, limit: int = SAMPLE) -> list[SampleRow]:
    """The first customers of the selection."""
    ids = [int(row[0]) for row in tuples(select(filters).limit(limit))]
    rows = {
        int(row[0]): row
        for row in tuples(
            Party.select(
                Party.id,
                Party.number,
                Party.company,
                Party.first_name,
                Party.last_name,
                Party.postcode,
                Party.city,
            ).where(Party.id.in_(ids))
        )
    }
    result = []
    for party_id in ids:
        _id, number, company, first, last, postcode, city = rows[party_id]
        name = company or " ".join(part for part in (first, last) if part)
        result.append(SampleRow(party_id, str(number), str(name), str(postcode), str(city)))
    return result


def selected_ids(filters: MergeFilters) -> list[int]:
    """Every selected party id, in postcode order."""
    return [int(row[0]) for row in tuples(select(filters))]


# Rendering, here or in worker processes -------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Plan:
    """What every letter of a merge shares (sent to each worker process once)."""

    settings: Settings
    """Settings (database, documents folder, own company, region)."""
    clerk: str
    """Login of the clerk writing."""
    day: date
    """The letters' date."""
    options: letters.LetterOptions
    """Subject and the like."""
    stem: str
    """File name stem (``2026-11-24-letter``)."""
    out_dir: str | None
    """Folder for the single letters (None: each customer's folder)."""
    combined: bool
    """Whether the letters go into one document (returned as bytes)."""
    language: str
    """The UI language (dates and money are formatted in it)."""


Done = list[tuple[int, str | None, bytes | None]]
"""``(party, path written, bytes for the combined document)`` of each letter of a batch."""


def _letters_of(
    template: CompiledTemplate,
    builder: letters.ContextBuilder,
    plan: _Plan,
    batch: Sequence[int],
) -> Done:
    """Read the field values of ``batch``, render each letter, write it (unless combined)."""
    done: Done = []
    for party_id, context in builder.build(batch, plan.options):
        data = template.render(context)
        if plan.combined:
            done.append((party_id, None, data))
            continue
        number = context["customer"]["number"]
        if plan.out_dir is None:
            folder = letters.customer_folder(plan.settings.documents_path, number)
            stem = plan.stem
        else:
            folder, stem = Path(plan.out_dir), letters.safe_name(f"{number}-{plan.stem}")
        done.append((party_id, str(letters.write_new(folder, stem, data)), None))
    return done


_worker: tuple[CompiledTemplate, letters.ContextBuilder, _Plan] | None = None


def _start_worker(data: bytes, name: str, plan: _Plan) -> None:
    """Compile the template and open the database once per worker process."""
    global _worker
    import signal

    from tui_crm import i18n
    from tui_crm.db.connection import open_database
    from tui_crm.services.templates import compile_template

    # Ctrl+C reaches the whole process group; the parent cancels, the workers finish.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    i18n.setup(plan.language)
    open_database(plan.settings.database_url, create=False)
    template = compile_template(data, name)
    _worker = (template, letters.ContextBuilder(plan.settings, plan.clerk, plan.day), plan)


def _worker_batch(batch: Sequence[int]) -> Done:
    """One batch in a worker: read, render, write; the parent records."""
    assert _worker is not None, "worker not started"
    return _letters_of(*_worker[:2], _worker[2], batch)


def worker_count() -> int:
    """Processes to render with: the CPUs this process may use."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 8))


def _chunks(items: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def run(
    template: Path,
    party_ids: Sequence[int],
    clerk: str,
    settings: Settings,
    *,
    filters: MergeFilters | None = None,
    name: str = "",
    subject: str = "",
    combined: Path | None = None,
    out_dir: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
    today: date | None = None,
    workers: int | None = None,
) -> MergeResult:
    """Write and record one letter per party of ``party_ids``.

    Args:
        template: The ``.docx`` template.
        party_ids: The customers, in the order of the letters.
        clerk: Login of the clerk writing.
        settings: Settings (documents folder, own company, region).
        filters: The filters that selected them (stored on the mailing).
        name: The mailing's name (default: template and day).
        subject: The letters' subject (default: the shipped template's, else the name).
        combined: Write one document with every letter here instead of one file each.
        out_dir: Folder for the single letters (default: each customer's folder).
        progress: Called with ``(done, total)`` after each batch recorded.
        cancel: Set it to stop; the letters under way are finished and recorded.
        today: The letters' date.
        workers: Processes to render with (default: :func:`worker_count`; 1: none).

    Raises:
        TemplateProblem: The template is unusable; nothing was written.
        LetterError: A folder or the combined file cannot be written.
    """
    from tui_crm.services import default_templates, templates

    compiled = templates.load(template)  # checks every field before the first letter
    day = today or date.today()
    name = name or f"{template.stem} {day.isoformat()}"
    subject = subject or default_templates.default_subject(template.name) or name
    total = len(party_ids)
    with writing():
        clerk_id = roles.require(clerk, Permission.EDIT)[0]
        mailing_id = int(
            Mailing.insert(
                {
                    Mailing.name: name[:200],
                    Mailing.template: str(template)[:500],
                    Mailing.filters: filters.describe() if filters else "",
                    Mailing.count: 0,
                    Mailing.clerk: clerk_id,
                }
            ).execute()
        )
    from tui_crm import i18n

    plan = _Plan(
        settings=settings,
        clerk=clerk,
        day=day,
        options=letters.LetterOptions(subject=subject),
        stem=letters.letter_stem(day, template.name),
        out_dir=None if out_dir is None else str(out_dir),
        combined=combined is not None,
        language=i18n.language(),
    )
    written = 0
    rendered: list[tuple[int, bytes]] = []
    combined_path: Path | None = None
    cancelled = False

    def finish(done: Done) -> None:
        nonlocal written
        if combined is not None:
            rendered.extend((party_id, data) for party_id, _path, data in done if data)
            written_now = len(done)
        else:
            recorded = [(party_id, path) for party_id, path, _data in done if path]
            letters.record_letters(
                recorded, template.name, subject, clerk, mailing=mailing_id, log_contact=False
            )
            written_now = len(recorded)
        written += written_now
        if progress is not None:
            progress(written, total)

    count_workers = workers if workers is not None else worker_count()
    batches = _chunks(party_ids, BATCH)
    try:
        if count_workers <= 1 or total < POOL_FROM:
            builder = letters.ContextBuilder(settings, clerk, day)
            for batch in batches:
                if cancel is not None and cancel.is_set():
                    cancelled = True
                    break
                finish(_letters_of(compiled, builder, plan, batch))
        else:
            cancelled = _run_pool(compiled, template, plan, batches, finish, cancel, count_workers)
    finally:
        if combined is not None and rendered:
            combined_path = _write_combined(combined, [data for _party, data in rendered])
            letters.record_letters(
                [(party_id, str(combined_path)) for party_id, _data in rendered],
                template.name,
                subject,
                clerk,
                mailing=mailing_id,
                log_contact=False,
            )
        elif combined is not None:
            written = 0
        with writing():
            Mailing.update({Mailing.count: written}).where(Mailing.id == mailing_id).execute()
    return MergeResult(
        mailing_id=mailing_id,
        written=written,
        total=total,
        cancelled=cancelled,
        folder=out_dir,
        combined=combined_path,
    )


def _run_pool(
    compiled: CompiledTemplate,
    template: Path,
    plan: _Plan,
    batches: Iterator[Sequence[int]],
    finish: Callable[[Done], None],
    cancel: threading.Event | None,
    count_workers: int,
) -> bool:
    """Hand the batches to worker processes, at most two a worker under way; record each
    batch here as it comes back. Returns whether it was cancelled."""
    import multiprocessing

    data = template.read_bytes()
    # fork starts a worker in milliseconds; spawn (a fresh interpreter importing everything,
    # about a second) only where threads run (the app's UI and workers), because a forked
    # child could inherit a lock one of them holds.
    methods = multiprocessing.get_all_start_methods()
    alone = threading.active_count() == 1
    context = multiprocessing.get_context("fork" if alone and "fork" in methods else "spawn")
    cancelled = False
    with ProcessPoolExecutor(
        max_workers=count_workers,
        mp_context=context,
        initializer=_start_worker,
        initargs=(data, compiled.name, plan),
    ) as pool:
        running: set[Future[Done]] = set()
        exhausted = False
        while True:
            while not exhausted and len(running) < 2 * count_workers:
                if cancel is not None and cancel.is_set():
                    cancelled = exhausted = True
                    break
                batch = next(batches, None)
                if batch is None:
                    exhausted = True
                    break
                running.add(pool.submit(_worker_batch, list(batch)))
            if not running:
                break
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                finish(future.result())
    return cancelled


def _write_combined(path: Path, documents: list[bytes]) -> Path:
    """One ``.docx`` with every letter, a page break between them (docxcompose)."""
    from docx import Document
    from docxcompose.composer import Composer

    master = Document(io.BytesIO(documents[0]))
    composer = Composer(master)
    for data in documents[1:]:
        master.add_page_break()
        composer.append(Document(io.BytesIO(data)))
    buffer = io.BytesIO()
    composer.save(buffer)
    return letters.write_new(path.parent, path.stem, buffer.getvalue(), suffix=path.suffix)
