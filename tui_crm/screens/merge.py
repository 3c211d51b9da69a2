"""MergeScreen: the mail merge (Serienbrief): filters, count and sample, then the letters."""

from __future__ import annotations

import threading
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Footer, Header, Input, Label, ProgressBar, Static

from tui_crm import keys
from tui_crm.db.connection import db
from tui_crm.errors import CrmError
from tui_crm.i18n import _
from tui_crm.paths import STYLES
from tui_crm.screens.base import HEADER_ICON, CrmScreen
from tui_crm.screens.letter_modal import template_files
from tui_crm.services import merge
from tui_crm.services.merge import MergeFilters, MergeResult, SampleRow
from tui_crm.widgets.cycle_field import CycleField
from tui_crm.widgets.form_row import FormRow

COUNT_DELAY = 0.3
"""Seconds after the last change of a filter before the selection is counted."""

TEXT_FILTERS = (
    ("group", "Customer group", "A"),
    ("postcode", "Postcode", "50000-51999"),
    ("city", "City", ""),
    ("birthday_month", "Birthday month", "1-12"),
    ("lapsed_since", "Lapsed since", "01.01.2025"),
    ("revenue_since", "Revenue since", "01.01.2026"),
    ("revenue_min", "Revenue at least", "1.000,00"),
    ("source", "Marketing source", ""),
)
"""Typed filters: name, caption (translated when shown) and an example."""


def _caption(name: str) -> str:
    captions = {
        "group": _("Customer group"),
        "postcode": _("Postcode"),
        "city": _("City"),
        "birthday_month": _("Birthday month"),
        "lapsed_since": _("Lapsed since"),
        "revenue_since": _("Revenue since"),
        "revenue_min": _("Revenue at least"),
        "source": _("Marketing source"),
    }
    return captions[name]


class MergeScreen(CrmScreen):
    """Filters with a live count and sample; F10 writes one letter per customer selected
    (or one combined document) with a progress bar; Esc cancels a run under way."""

    CSS_PATH = STYLES / "letters.tcss"
    BINDINGS = [keys.MERGE_START]

    def __init__(self) -> None:
        super().__init__()
        self.cancel = threading.Event()
        """Set to stop the run under way (the letters being written are finished)."""
        self.running = False
        """Whether letters are being written."""
        self.filters: MergeFilters | None = MergeFilters()
        """The filters typed, or None while one cannot be read."""
        self._count_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        """Header, banner, filters, count, sample, progress and the key bar."""
        yield Header(icon=HEADER_ICON)
        yield Label(_("MAIL MERGE"), id="mode-banner", markup=False)
        with VerticalScroll(id="merge-form"):
            yield FormRow(_("Template"), CycleField([("-", None)], id="template"))
            yield FormRow(
                _("Kind"),
                CycleField(
                    [(_("All"), ""), (_("Customers"), "customer"), (_("Prospects"), "prospect")],
                    id="kind",
                ),
            )
            for name, _caption_text, example in TEXT_FILTERS:
                yield FormRow(_caption(name), Input("", id=name, compact=True, placeholder=example))
            yield FormRow(
                _("Open items"),
                CycleField([("-", ""), (_("Yes"), "yes"), (_("No"), "no")], id="open_items"),
            )
            yield FormRow(
                _("Email address"),
                CycleField([("-", ""), (_("With"), "yes"), (_("Without"), "no")], id="email"),
            )
            yield FormRow(
                _("Output"),
                CycleField(
                    [
                        (_("One file per customer (in their folders)"), "single"),
                        (_("One combined document"), "combined"),
                    ],
                    id="output",
                ),
            )
            yield FormRow(
                _("Subject"),
                Input("", id="subject", compact=True, placeholder=_("The template's subject")),
            )
        with Vertical(id="merge-result"):
            yield Label("", id="merge-count", markup=False)
            yield Static("", id="merge-sample")
            yield ProgressBar(id="merge-progress", show_eta=False)
            yield Label(
                _("{start} writes the letters · Esc cancels a run, else goes back").format(
                    start=keys.MERGE_START.key_display
                ),
                id="merge-status",
                markup=False,
            )
        yield Footer()

    def on_mount(self) -> None:
        """Read the templates; count everyone."""
        self.title = _("Mail merge")
        self.query_one("#template", CycleField).focus()
        self.load_templates()
        self.recount()

    @work(thread=True, exclusive=True, group="merge-templates", exit_on_error=False)
    def load_templates(self) -> None:
        """The templates in the templates folder (the shipped ones written there first)."""
        files = template_files(self.context.settings.templates_path)
        self.app.call_from_thread(self.show_templates, files)

    def show_templates(self, files: list[Path]) -> None:
        """Offer the templates, the plain letter first chosen."""
        self.query_one("#template", CycleField).set_options(
            [(path.name, path) for path in files],
            next((path for path in files if path.name == "letter.docx"), None),
        )

    # The selection --------------------------------------------------------------------------

    def read_filters(self) -> MergeFilters:
        """The filters as typed.

        Raises:
            ValidationError: A field cannot be read (the message names it).
        """
        values = {name: self.query_one(f"#{name}", Input).value for name, _c, _e in TEXT_FILTERS}
        return merge.filters_from(
            kind=str(self.query_one("#kind", CycleField).value),
            open_items=str(self.query_one("#open_items", CycleField).value),
            email=str(self.query_one("#email", CycleField).value),
            **values,
        )

    @on(Input.Changed)
    @on(CycleField.Changed)
    def filter_changed(self) -> None:
        """Count again shortly after the last change."""
        if self._count_timer is not None:
            self._count_timer.stop()
        self._count_timer = self.set_timer(COUNT_DELAY, self.recount)

    def recount(self) -> None:
        """Count the selection and show a sample (in a thread)."""
        try:
            self.filters = self.read_filters()
        except CrmError as error:
            self.filters = None
            self.query_one("#merge-count", Label).update(error.msg)
            self.query_one("#merge-sample", Static).update("")
            return
        self.count(self.filters)

    @work(thread=True, exclusive=True, group="merge-count", exit_on_error=False)
    def count(self, filters: MergeFilters) -> None:
        """Count and sample in a thread."""
        with db.connection_context():
            total = merge.count(filters)
            rows = merge.sample(filters)
        self.app.call_from_thread(self.show_count, filters, total, rows)

    def show_count(self, filters: MergeFilters, total: int, rows: list[SampleRow]) -> None:
        """Show how many are selected and the first of them."""
        if filters != self.filters:
            return
        self.query_one("#merge-count", Label).update(
            _("{count} selected").format(count=f"{total:,}".replace(",", "."))
        )
        lines = [
            Content(f"{row.number:<9} {row.name[:40]:<40} {row.postcode} {row.city}")
            for row in rows
        ]
        if total > len(rows):
            lines.append(Content("…"))
        self.query_one("#merge-sample", Static).update(Content("\n").join(lines))

    # The run --------------------------------------------------------------------------------

    def action_start(self) -> None:
        """F10: write the letters."""
        template = self.query_one("#template", CycleField).value
        if self.running or not isinstance(template, Path):
            return
        try:
            filters = self.read_filters()
        except CrmError as error:
            self.status(error.msg)
            return
        combined = None
        if self.query_one("#output", CycleField).value == "combined":
            day = self.context.today.isoformat()
            combined = (
                self.context.settings.documents_path / "mailings" / f"{template.stem}-{day}.docx"
            )
        self.running = True
        self.cancel.clear()
        self.query_one(ProgressBar).update(total=None, progress=0)
        self.status(_("Writing the letters … Esc cancels"))
        self.run_merge(template, filters, combined, self.query_one("#subject", Input).value.strip())

    @work(thread=True, exclusive=True, group="merge-run", exit_on_error=False)
    def run_merge(
        self, template: Path, filters: MergeFilters, combined: Path | None, subject: str
    ) -> None:
        """Select, render, write and record in a thread; the bar follows each batch."""
        settings = self.context.settings
        try:
            with db.connection_context():
                ids = merge.selected_ids(filters)
                self.app.call_from_thread(self.progress, 0, len(ids))
                result = merge.run(
                    template,
                    ids,
                    settings.clerk,
                    settings,
                    filters=filters,
                    subject=subject,
                    combined=combined,
                    progress=lambda done, total: self.app.call_from_thread(
                        self.progress, done, total
                    ),
                    cancel=self.cancel,
                    today=self.context.today,
                )
        except Exception as error:  # shown on the screen
            message = (
                error.msg if isinstance(error, CrmError) else f"{type(error).__name__}: {error}"
            )
            self.app.call_from_thread(self.failed, message)
            return
        self.app.call_from_thread(self.finished, result)

    def progress(self, done: int, total: int) -> None:
        """Move the bar."""
        self.query_one(ProgressBar).update(total=max(total, 1), progress=done)

    def finished(self, result: MergeResult) -> None:
        """Say what was written and where."""
        self.running = False
        where = str(result.combined or result.folder or self.context.settings.documents_path)
        text = (
            _("Cancelled: {written} of {total} letters written and recorded (mailing {id}).")
            if result.cancelled
            else _("{written} of {total} letters written and recorded (mailing {id}).")
        ).format(written=result.written, total=result.total, id=result.mailing_id)
        self.status(f"{text} {where}")
        self.notify(where, title=_("Mail merge"), markup=False)

    def failed(self, message: str) -> None:
        """The run did not start or stopped with an error."""
        self.running = False
        self.status(message)
        self.notify(message, title=_("Mail merge"), severity="error", markup=False)

    def status(self, text: str) -> None:
        """The line under the progress bar."""
        self.query_one("#merge-status", Label).update(text)

    def action_back(self) -> None:
        """Esc: cancel the run under way, else go back."""
        if self.running:
            self.cancel.set()
            self.status(_("Cancelling: the letters under way are finished and recorded …"))
            return
        super().action_back()
