"""InquiryScreen: the customer inquiry (Kundenauskunft), read-only."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Label, Static

from tui_crm import formatting
from tui_crm.db.connection import db
from tui_crm.i18n import _
from tui_crm.paths import STYLES
from tui_crm.screens.base import HEADER_ICON, CrmScreen
from tui_crm.services import customers
from tui_crm.services.customers import PartyDetail


class InquiryScreen(CrmScreen):
    """Everything about one customer; inquiry mode never changes data.

    Args:
        number: The customer or prospect number to show.
    """

    CSS_PATH = STYLES / "inquiry.tcss"

    def __init__(self, number: str) -> None:
        super().__init__()
        self.number = number
        """The number of the party shown."""

    def compose(self) -> ComposeResult:
        """Header, banner and the main data."""
        yield Header(icon=HEADER_ICON)
        yield Label(_("INQUIRY · read only"), id="mode-banner")
        with VerticalScroll(id="main-data"):
            yield Static("", id="address", markup=False)
            yield Static("", id="phones", markup=False)
            yield Static("", id="emails", markup=False)
            yield Static("", id="personal", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        """Load the party."""
        self.title = self.number
        self.reload()

    @work(thread=True, exclusive=True, group="inquiry", exit_on_error=False)
    def reload(self) -> None:
        """Load (F5: reload) the party from the database."""
        app = self.app
        with db.connection_context():
            detail = customers.open_party(
                self.number,
                self.context.clerk_id,
                region=self.context.settings.region,
            )
        app.call_from_thread(self.show, detail)

    def show(self, detail: PartyDetail) -> None:
        """Fill the screen with ``detail``."""
        self.title = f"{detail.number}: {detail.name}"
        kind = _("Customer") if detail.kind == "customer" else _("Prospect")
        blocked = _("BLOCKED")
        address = [f"{kind}  {blocked}" if detail.blocked else kind, ""]
        if detail.person and detail.person != detail.name:
            address.append(detail.name)
        salutation = " ".join(p for p in (detail.salutation, detail.title, detail.person) if p)
        address.extend(line for line in (salutation, detail.company2, detail.street) if line)
        foreign = detail.country != self.context.settings.region
        place = f"{detail.postcode} {detail.city}".strip()
        address.append(f"{detail.country}-{place}" if foreign and place else place)
        self.query_one("#address", Static).update("\n".join(address))
        phone_label, email_label = _("Phone"), _("Email")
        phones = [f"{phone_label}:"] + [f"  {number}  ({kind})" for kind, number in detail.phones]
        self.query_one("#phones", Static).update("\n".join(phones))
        emails = (
            [f"{email_label}:"] + [f"  {email}" for email in detail.emails] if detail.emails else []
        )
        self.query_one("#emails", Static).update("\n".join(emails))
        personal = []
        if detail.birthday:
            birthday = _("Birthday")
            personal.append(f"{birthday}: {formatting.day(detail.birthday)}")
        if detail.notes:
            notes = _("Notes")
            personal.append(f"{notes}: {detail.notes}")
        self.query_one("#personal", Static).update("\n".join(personal))
