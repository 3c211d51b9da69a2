"""ReportsScreen: lapsed customers, customers by revenue and the company's sales, with CSV
export; and ExportModal, which asks where the CSV goes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import cast

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Header, Input, Label, TabbedContent, TabPane

from tui_crm import formatting, keys
from tui_crm.db.connection import db
from tui_crm.errors import CrmError
from tui_crm.i18n import _
from tui_crm.paths import STYLES
from tui_crm.screens.base import HEADER_ICON, CrmScreen
from tui_crm.services import reports, validation
from tui_crm.services.reports import AboveRevenue, CompanySales, CustomerRow, Lapsed, Report
from tui_crm.services.sales import PeriodRevenue
from tui_crm.widgets.paged_list import PagedList
from tui_crm.widgets.sales_lists import CustomerReportList, PeriodList

PAGE = reports.PAGE
"""Customers per page."""

NAMES = ("lapsed", "revenue", "company")
"""The reports in tab order; pane ids are ``report-<name>``."""

DEFAULT_MINIMUM = "1000"
"""The revenue the customers-by-revenue report starts with (as typed)."""


def typed_day(day: date) -> str:
    """``24.11.2026``: what the date fields take in every language."""
    return f"{day.day:02d}.{day.month:02d}.{day.year}"


class ExportModal(ModalScreen[Path | None]):
    """Asks for the CSV file, a default filled in; Enter writes, Esc cancels.

    Args:
        default: The path offered.
    """

    CSS_PATH = STYLES / "reports.tcss"
    BINDINGS = [keys.BACK]

    def __init__(self, default: Path) -> None:
        super().__init__()
        self.default = default
        """The path offered."""

    def compose(self) -> ComposeResult:
        """Caption, path field and a hint."""
        with Vertical(id="export-dialog"):
            yield Label(_("Export as CSV to"), markup=False)
            yield Input(str(self.default), id="export-path")
            yield Label(_("Enter: write · Esc: cancel"), id="export-hint", markup=False)

    @on(Input.Submitted, "#export-path")
    def submitted(self, event: Input.Submitted) -> None:
        """Hand the path typed back (``~`` expanded)."""
        text = event.value.strip()
        if text:
            self.dismiss(Path(text).expanduser())

    def action_back(self) -> None:
        """Cancel."""
        self.dismiss(None)


class ReportsScreen(CrmScreen):
    """The three reports as tabs: parameters above, the paged list below.

    Enter in a field runs the report, F5 runs it again, Alt+E exports it, F6/F7 switch
    reports, Enter on a customer opens the inquiry.
    """

    CSS_PATH = STYLES / "reports.tcss"
    BINDINGS = [keys.REPORT_EXPORT, keys.REPORT_PERIOD, keys.TAB_NEXT, keys.TAB_PREVIOUS]
    PALETTE = (keys.REPORT_EXPORT, keys.REPORT_PERIOD)
    """Actions the command palette offers while this screen is shown."""

    def __init__(self) -> None:
        super().__init__()
        self.shown: dict[str, Report] = {}
        """The report each tab shows (missing until it has run)."""
        self.by_month = True
        """Whether the company sales are per month (else per year)."""

    def compose(self) -> ComposeResult:
        """The report tabs and the key bar."""
        today = self.context.today
        a_year_ago = today.replace(year=today.year - 1, day=min(today.day, 28))
        yield Header(icon=HEADER_ICON)
        with TabbedContent(id="reports", initial="report-lapsed"):
            with TabPane(_("Lapsed customers"), id="report-lapsed"):
                with Horizontal(classes="report-form"):
                    yield Label(_("Bought before"), markup=False)
                    yield Input(typed_day(a_year_ago), id="lapsed-before")
                    yield Label(_("nothing since"), markup=False)
                    yield Input(typed_day(a_year_ago), id="lapsed-since")
                yield Label("", id="lapsed-status", classes="report-status", markup=False)
                yield CustomerReportList(first_purchase=True, id="lapsed-list")
            with TabPane(_("Customers by revenue"), id="report-revenue"):
                with Horizontal(classes="report-form"):
                    yield Label(_("Revenue since"), markup=False)
                    yield Input(typed_day(date(today.year, 1, 1)), id="revenue-since")
                    yield Label(_("at least"), markup=False)
                    yield Input(DEFAULT_MINIMUM, id="revenue-minimum")
                yield Label("", id="revenue-status", classes="report-status", markup=False)
                yield CustomerReportList(first_purchase=False, id="revenue-list")
            with TabPane(_("Company sales"), id="report-company"):
                with Horizontal(classes="report-form"):
                    yield Label(_("Years"), markup=False)
                    yield Input(str(reports.COMPANY_YEARS), id="company-years")
                    yield Label(self.period_hint(), id="company-period", markup=False)
                yield Label("", id="company-status", classes="report-status", markup=False)
                yield PeriodList(id="company-list")
        yield Footer()

    def on_mount(self) -> None:
        """Run the first report with its defaults."""
        self.title = _("Reports")
        self.query_one("#lapsed-before", Input).focus()
        self.run_report("lapsed")

    # Which report ------------------------------------------------------------------------

    @property
    def active(self) -> str:
        """The name of the report shown."""
        return self.query_one(TabbedContent).active.removeprefix("report-")

    def action_next_tab(self) -> None:
        """The next report (F7)."""
        self.step(1)

    def action_previous_tab(self) -> None:
        """The previous report (F6)."""
        self.step(-1)

    def step(self, offset: int) -> None:
        """Show the report ``offset`` places on; run it if it has not run yet."""
        name = NAMES[(NAMES.index(self.active) + offset) % len(NAMES)]
        self.query_one(TabbedContent).active = f"report-{name}"

    @on(TabbedContent.TabActivated)
    def tab_shown(self) -> None:
        """Put the cursor into the first field; run a report not run yet."""
        name = self.active
        pane = self.query_one(f"#report-{name}", TabPane)
        pane.query(Input).first().focus()
        if name not in self.shown:
            self.run_report(name)

    def period_hint(self) -> str:
        """What the company sales show, and the key that changes it."""
        shown = _("per month") if self.by_month else _("per year")
        return _("{shown} · {key}: months/years").format(
            shown=shown, key=keys.REPORT_PERIOD.key_display
        )

    def action_cycle_period(self) -> None:
        """F8: company sales per month or per year."""
        self.by_month = not self.by_month
        self.query_one("#company-period", Label).update(self.period_hint())
        if self.active != "company":
            self.query_one(TabbedContent).active = "report-company"
        self.run_report("company")

    # Running -----------------------------------------------------------------------------

    def status(self, name: str, text: str, error: bool = False) -> None:
        """Show ``text`` on the status line of the report ``name``."""
        label = self.query_one(f"#{name}-status", Label)
        label.update(Content(text))
        label.set_class(error, "-error")

    def report_of(self, name: str) -> Report:
        """The report ``name`` as its fields say.

        Raises:
            ValidationError: A field holds no date, amount or number of years.
        """
        today = self.context.today

        def text(field: str) -> str:
            return self.query_one(f"#{field}", Input).value

        if name == "lapsed":
            return Lapsed(
                validation.day(text("lapsed-before"), today),
                validation.day(text("lapsed-since"), today),
            )
        if name == "revenue":
            return AboveRevenue(
                validation.day(text("revenue-since"), today),
                validation.amount(text("revenue-minimum")),
            )
        years = validation.whole_number(text("company-years"), 1, 50)
        return reports.company_default(today, years, self.by_month)

    def run_report(self, name: str) -> None:
        """Read the fields of ``name`` and run it (a field in error says so instead)."""
        try:
            report = self.report_of(name)
        except CrmError as error:
            self.status(name, error.msg, error=True)
            return
        self.shown[name] = report
        self.status(name, _("Counting …"))
        if isinstance(report, CompanySales):
            self.load_company(report)
        else:
            self.load_customers(name, report)

    def reload(self) -> None:
        """F5: run the report shown again."""
        self.run_report(self.active)

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        """Enter in a field runs its report."""
        event.stop()
        self.run_report(self.active)

    @work(thread=True, exclusive=True, group="report-customers", exit_on_error=False)
    def load_customers(self, name: str, report: Lapsed | AboveRevenue) -> None:
        """Read the first page of a customer report."""
        with db.connection_context():
            rows = reports.customers(report, None, PAGE + 1)
        self.app.call_from_thread(self.show_customers, name, report, rows)

    def show_customers(self, name: str, report: Report, rows: list[CustomerRow]) -> None:
        """Show the first page (if the report was not changed meanwhile)."""
        if self.shown.get(name) != report:
            return
        listed = self.query_one(f"#{name}-list", CustomerReportList)
        listed.show(rows[:PAGE], more=len(rows) > PAGE)
        self.count_customers(name)
        self.context_may_have_changed()

    def count_customers(self, name: str) -> None:
        """Say how many customers are shown, and whether more follow."""
        listed = self.query_one(f"#{name}-list", CustomerReportList)
        count = len(listed.lines)
        text = _("{count} customers").format(count=formatting.number(count))
        if listed.more:
            text = _("{count} customers shown, more below").format(count=formatting.number(count))
        self.status(name, text)

    @on(PagedList.PageNeeded, "#lapsed-list, #revenue-list")
    def more_customers(self, event: PagedList.PageNeeded) -> None:
        """Read the next page of a customer report."""
        listed = cast(CustomerReportList, event.paged_list)
        name = (listed.id or "").removesuffix("-list")
        report = self.shown.get(name)
        last = listed.last_row
        if isinstance(report, Lapsed | AboveRevenue) and last is not None:
            self.load_more_customers(name, report, last, event.serial)

    @work(thread=True, group="report-page", exit_on_error=False)
    def load_more_customers(
        self, name: str, report: Lapsed | AboveRevenue, after: CustomerRow, serial: int
    ) -> None:
        """Read the page after ``after``."""
        with db.connection_context():
            rows = reports.customers(report, after, PAGE + 1)
        self.app.call_from_thread(self.extend_customers, name, rows, serial)

    def extend_customers(self, name: str, rows: list[CustomerRow], serial: int) -> None:
        """Add a page and count again."""
        listed = self.query_one(f"#{name}-list", CustomerReportList)
        listed.extend(rows[:PAGE], more=len(rows) > PAGE, serial=serial)
        self.count_customers(name)

    @work(thread=True, exclusive=True, group="report-company", exit_on_error=False)
    def load_company(self, report: CompanySales) -> None:
        """Count the company's sales."""
        with db.connection_context():
            rows = reports.company(report)
        self.app.call_from_thread(self.show_company, report, rows)

    def show_company(self, report: CompanySales, rows: list[PeriodRevenue]) -> None:
        """Show the periods, newest first, and their total."""
        if self.shown.get("company") != report:
            return
        self.query_one("#company-list", PeriodList).show(rows[::-1])
        total = sum((row.revenue for row in rows), Decimal("0.00"))
        self.status(
            "company",
            _("{first}-{last}: {total} net revenue").format(
                first=report.first_year, last=report.last_year, total=formatting.money(total)
            ),
        )

    # Customers and export ----------------------------------------------------------------

    def current_customer(self) -> CustomerRow | None:
        """The highlighted customer of the report shown, if it lists customers."""
        if self.active == "company":
            return None
        return self.query_one(f"#{self.active}-list", CustomerReportList).current

    def context_party(self) -> tuple[int, str] | None:
        """The highlighted customer (F11, F12, log contact)."""
        row = self.current_customer() if self.is_mounted else None
        return None if row is None else (row.party_id, row.number)

    @on(PagedList.Opened, "#lapsed-list, #revenue-list")
    def open_customer(self, event: PagedList.Opened) -> None:
        """Enter on a customer opens the inquiry, next/previous along the list."""
        from tui_crm.screens.inquiry import InquiryScreen

        row = cast(CustomerRow, event.row)
        listed = cast(CustomerReportList, event.paged_list)
        numbers = tuple(line.number for line in listed.rows)
        self.app.push_screen(InquiryScreen(row.number, numbers))

    def action_export(self) -> None:
        """Alt+E: ask for the file, then write the report shown as CSV."""
        name = self.active
        try:
            report = self.report_of(name)
        except CrmError as error:
            self.status(name, error.msg, error=True)
            return
        folder = self.context.settings.documents_path
        default = reports.default_file(folder, report, self.context.today)

        def chosen(path: Path | None) -> None:
            if path is not None:
                self.status(name, _("Writing {path} …").format(path=path))
                self.export(name, report, path)

        self.app.push_screen(ExportModal(default), chosen)

    @work(thread=True, exclusive=True, group="report-export", exit_on_error=False)
    def export(self, name: str, report: Report, path: Path) -> None:
        """Write the CSV in a thread and say how many rows went into it."""
        try:
            with db.connection_context():
                count = reports.write_csv(report, path)
        except CrmError as error:
            self.app.call_from_thread(self.status, name, error.msg, True)
            self.app.call_from_thread(
                self.notify, error.msg, title=error.title, severity="error", markup=False
            )
            return
        message = _("{count} rows written to {path}").format(
            count=formatting.number(count), path=path
        )
        self.app.call_from_thread(self.status, name, message)
        self.app.call_from_thread(self.notify, message, title=_("Export"), markup=False)
