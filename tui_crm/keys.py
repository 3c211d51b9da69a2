"""Every key binding, declared once with a dotted id; the config's [keymap] remaps them by id.

Each F-key action also has an alternate chord that reaches the app in terminals that swallow
the F-key (F1 help, F10 menu, F11 fullscreen). Modifiers are written the way Textual reports
them, in alphabetical order (``alt+ctrl+f1``).
"""

from __future__ import annotations

from textual.binding import Binding

from tui_crm.i18n import _

HELP = Binding("f1,alt+h,question_mark", "app.help", _("Help"), key_display="F1", id="app.help")
"""Show every key, its alternate and any remap."""

SEARCH = Binding(
    "f2,ctrl+f", "app.search", _("Search"), key_display="F2", id="app.search", priority=True
)
"""Go to the search field from anywhere."""

REFRESH = Binding(
    "f5,ctrl+r", "app.refresh", _("Refresh"), key_display="F5", id="app.refresh", priority=True
)
"""Reload what the screen shows from the database."""

THEME = Binding(
    "f9,alt+t", "app.cycle_theme", _("Theme"), key_display="F9", id="app.theme", show=False
)
"""Switch to the next theme (default, high contrast, 16 colours)."""

PALETTE = Binding(
    "ctrl+p",
    "app.command_palette",
    _("Commands"),
    key_display="^P",
    id="app.palette",
    show=False,
    priority=True,
)
"""Open the command palette: every action by name."""

QUIT = Binding("ctrl+q", "app.quit_app", _("Quit"), key_display="^Q", id="app.quit", priority=True)
"""Quit, asking first when a screen has unsaved edits."""

BACK = Binding("escape", "back", _("Back"), key_display="Esc", id="screen.back")
"""Close the screen or dialog and go back."""

OPEN = Binding("enter", "open", _("Open"), key_display="Enter", id="search.open", show=False)
"""Open the highlighted customer."""

CURSOR_TO_RESULTS = Binding(
    "down", "to_results", _("Results"), key_display="Down", id="search.results", show=False
)
"""Move from the search field into the result list."""

CONFIRM_YES = Binding("y,j", "answer(True)", _("Yes"), key_display="Y", id="confirm.yes")
"""Answer a question with yes (``j`` for German ja)."""

CONFIRM_NO = Binding("n,escape", "answer(False)", _("No"), key_display="N", id="confirm.no")
"""Answer a question with no."""

CLOSE = Binding("escape,f1", "close", _("Close"), key_display="Esc", id="help.close")
"""Close the help screen."""

LIST_UP = Binding("up", "cursor_up", _("Up"), id="list.up", show=False)
"""Move the cursor of a list up."""

LIST_DOWN = Binding("down", "cursor_down", _("Down"), id="list.down", show=False)
"""Move the cursor of a list down."""

LIST_PAGE_UP = Binding("pageup", "page_up", _("Page up"), id="list.page_up", show=False)
"""Move the cursor of a list one page up."""

LIST_PAGE_DOWN = Binding("pagedown", "page_down", _("Page down"), id="list.page_down", show=False)
"""Move the cursor of a list one page down."""

LIST_HOME = Binding("home", "first", _("First"), id="list.first", show=False)
"""Move the cursor of a list to the first row."""

LIST_END = Binding("end", "last", _("Last"), id="list.last", show=False)
"""Move the cursor of a list to the last row."""

LIST_OPEN = Binding("enter", "open", _("Open"), key_display="Enter", id="list.open")
"""Open the row under the cursor."""

LIST_BINDINGS = (LIST_UP, LIST_DOWN, LIST_PAGE_UP, LIST_PAGE_DOWN, LIST_HOME, LIST_END, LIST_OPEN)
"""Cursor keys of the virtual lists."""


def split_keys(keys: str) -> list[str]:
    """Split a key string such as ``"f1,alt+h"`` into its keys."""
    return [key.strip() for key in keys.split(",") if key.strip()]


MODIFIERS = ("alt", "ctrl", "shift", "super", "meta", "hyper")
"""Modifier names, in the alphabetical order Textual reports them."""

_NAMES = {
    "question_mark": "?",
    "escape": "Esc",
    "enter": "Enter",
    "down": "Down",
    "pageup": "PgUp",
    "pagedown": "PgDn",
    "up": "Up",
    "left": "Left",
    "right": "Right",
    "home": "Home",
    "end": "End",
}


def display(key: str) -> str:
    """Show a Textual key name the way a clerk reads it: ``ctrl+n`` → ``Ctrl+N``."""
    return "+".join(
        _NAMES.get(part, part.capitalize() if part in MODIFIERS else part.upper())
        for part in key.split("+")
    )


# Customer inquiry, edit mode and new records ----------------------------------------------

EDIT = Binding("f4,ctrl+e", "edit", _("Edit"), key_display="F4", id="inquiry.edit")
"""Switch the inquiry to edit mode."""

BOOKMARK = Binding("f8,alt+m", "bookmark", _("Bookmark"), key_display="F8", id="inquiry.bookmark")
"""Bookmark the customer, or remove the bookmark (Merken)."""

NEXT_PARTY = Binding(
    "alt+down,ctrl+down,alt+j",
    "next_party",
    _("Next"),
    key_display="Alt+Down",
    id="inquiry.next",
)
"""Show the next customer of the result list without going back (Alt+J on the Linux console,
which sends modified arrows as plain ones)."""

PREVIOUS_PARTY = Binding(
    "alt+up,ctrl+up,alt+p",
    "previous_party",
    _("Previous"),
    key_display="Alt+Up",
    id="inquiry.previous",
)
"""Show the previous customer of the result list (Alt+P on the Linux console; Alt+U is the open
items everywhere)."""

CONVERT = Binding(
    "alt+c", "convert", _("To customer"), key_display="Alt+C", id="inquiry.convert", show=False
)
"""Convert the prospect shown into a customer (keeps its history and former number)."""

NEW_CUSTOMER = Binding(
    "alt+n",
    "new_party('customer')",
    _("New customer"),
    key_display="Alt+N",
    id="party.new_customer",
    show=False,
)
"""Type in a new customer."""

NEW_PROSPECT = Binding(
    "alt+i",
    "new_party('prospect')",
    _("New prospect"),
    key_display="Alt+I",
    id="party.new_prospect",
    show=False,
)
"""Type in a new prospect."""

TAB_MAIN = Binding(
    "alt+1", "show_tab('main')", _("Main data"), key_display="Alt+1", id="tabs.main", show=False
)
"""Show the main data tab (address, phones, emails)."""

TAB_OTHER = Binding(
    "alt+2", "show_tab('other')", _("Other data"), key_display="Alt+2", id="tabs.other", show=False
)
"""Show the other data tab (group, price list, payment terms, credit limit …)."""

TAB_PERSONAL = Binding(
    "alt+3",
    "show_tab('personal')",
    _("Personal data"),
    key_display="Alt+3",
    id="tabs.personal",
    show=False,
)
"""Show the personal data tab (salutation, name, birthday)."""

TAB_CONTACTS = Binding(
    "alt+4",
    "show_tab('contacts')",
    _("Contact persons"),
    key_display="Alt+4",
    id="tabs.contacts",
    show=False,
)
"""Show the contact persons tab."""

TAB_BANK = Binding(
    "alt+5", "show_tab('bank')", _("Bank data"), key_display="Alt+5", id="tabs.bank", show=False
)
"""Show the bank data tab (IBAN, BIC)."""

TAB_NOTES = Binding(
    "alt+6", "show_tab('notes')", _("Notes"), key_display="Alt+6", id="tabs.notes", show=False
)
"""Show the notes tab (notes, open follow-ups, latest contacts)."""

TAB_NEXT = Binding(
    "f7,ctrl+pagedown", "next_tab", _("Next tab"), key_display="F7", id="tabs.next", show=False
)
"""Show the next tab (F7; Ctrl+PgDn where the terminal sends it, not PuTTY or the console)."""

TAB_PREVIOUS = Binding(
    "f6,ctrl+pageup",
    "previous_tab",
    _("Previous tab"),
    key_display="F6",
    id="tabs.previous",
    show=False,
)
"""Show the previous tab (F6; Ctrl+PgUp where the terminal sends it)."""

# Alt+digit arrives as ESC + digit from xterm, VTE, tmux, PuTTY and the console; Textual 8.2
# alone reads that as ¡ ™ £ …, tui_crm.terminal makes it alt+1 … F6/F7 switch tabs as well.
TAB_BINDINGS: tuple[Binding, ...] = (
    TAB_MAIN,
    TAB_OTHER,
    TAB_PERSONAL,
    TAB_CONTACTS,
    TAB_BANK,
    TAB_NOTES,
    TAB_NEXT,
    TAB_PREVIOUS,
)
"""Switching the tabs of the inquiry and the edit form."""

SAVE = Binding("f10,ctrl+s", "save", _("Save"), key_display="F10", id="edit.save", priority=True)
"""Save the edits (F10; Ctrl+S where the terminal keeps F10 for its menu)."""

CONFLICT_TOGGLE = Binding(
    "space", "toggle_choice", _("Mine / theirs"), key_display="Space", id="conflict.toggle"
)
"""Switch the highlighted field between the other clerk's value and mine."""

CONFLICT_MINE = Binding("m", "take_all('mine')", _("All mine"), key_display="M", id="conflict.mine")
"""Keep my value in every differing field."""

CONFLICT_THEIRS = Binding(
    "t", "take_all('theirs')", _("All theirs"), key_display="T", id="conflict.theirs"
)
"""Keep the other clerk's value in every differing field."""

INQUIRY_BINDINGS: tuple[Binding, ...] = (
    EDIT,
    BOOKMARK,
    NEXT_PARTY,
    PREVIOUS_PARTY,
    CONVERT,
    NEW_CUSTOMER,
    NEW_PROSPECT,
    *TAB_BINDINGS,
    SAVE,
    CONFLICT_TOGGLE,
    CONFLICT_MINE,
    CONFLICT_THEIRS,
)
"""The bindings of the inquiry, the edit form and the conflict dialog."""

_NAMES.setdefault("space", "Space")

# Follow-ups, contacts and call suggestions ------------------------------------------------

FOLLOW_UP = Binding(
    "f11,ctrl+n",
    "app.follow_up",
    _("Follow-up"),
    key_display="F11",
    id="app.follow_up",
    priority=True,
)
"""New follow-up for the customer in context (Wiedervorlage); Ctrl+N where F11 is fullscreen."""

FOLLOW_UP_LIST = Binding(
    "f3,alt+w",
    "app.follow_up_list",
    _("Follow-ups"),
    key_display="F3",
    id="app.follow_up_list",
    priority=True,
    show=False,
)
"""Show the follow-up list (overdue, today, upcoming, later); the start screen's pane title
names the key, the footer has no room for it beside F11 and log contact."""

LOG_CONTACT = Binding(
    "alt+k,ctrl+l",
    "app.log_contact",
    _("Log contact"),
    key_display="Alt+K",
    id="app.log_contact",
    priority=True,
)
"""Log a call, visit, letter … with the customer in context (Kontakt erfassen)."""

CALL_SUGGESTIONS = Binding(
    "alt+a,ctrl+g",
    "app.call_suggestions",
    _("Call suggestions"),
    key_display="Alt+A",
    id="app.call_suggestions",
    priority=True,
    show=False,
)
"""Show the customers whose contact interval has passed (Anrufvorschläge)."""

FOLLOW_UP_DONE = Binding("f8,alt+d", "done", _("Done"), key_display="F8", id="followups.done")
"""Mark the selected follow-up done, optionally logging a contact."""

FOLLOW_UP_POSTPONE = Binding(
    "f6,alt+p", "postpone", _("Postpone"), key_display="F6", id="followups.postpone"
)
"""Postpone the selected follow-up (+1 day, +1 week or a date)."""

FOLLOW_UP_EDIT = Binding("f4,ctrl+e", "edit", _("Edit"), key_display="F4", id="followups.edit")
"""Change the selected follow-up."""

FOLLOW_UP_DELETE = Binding(
    "delete", "delete", _("Delete"), key_display="Del", id="followups.delete"
)
"""Delete the selected follow-up, after asking."""

FOLLOW_UP_OWNER = Binding(
    "f7,alt+o", "cycle_owner", _("Mine/all"), key_display="F7", id="followups.owner"
)
"""Switch the list between my follow-ups and everyone's."""

FOLLOW_UP_FIND = Binding(
    "alt+f", "find", _("Find"), key_display="Alt+F", id="followups.find", show=False
)
"""Put the cursor into the search field of a list."""

SNOOZE = Binding("f8,alt+z", "snooze", _("Snooze"), key_display="F8", id="suggestions.snooze")
"""Hide the selected call suggestion until a date."""

TAB_LOG = Binding(
    "alt+7", "show_tab('log')", _("Contact log"), key_display="Alt+7", id="tabs.log", show=False
)
"""Show the contact log tab."""

TAB_FOLLOW_UPS = Binding(
    "alt+8",
    "show_tab('follow_ups')",
    _("Follow-ups"),
    key_display="Alt+8",
    id="tabs.follow_ups",
    show=False,
)
"""Show the customer's follow-ups tab."""

TAB_HISTORY = Binding(
    "alt+9",
    "show_tab('history')",
    _("Full history"),
    key_display="Alt+9",
    id="tabs.history",
    show=False,
)
"""Show the full history tab."""

HISTORY_FILTER = Binding(
    "alt+y", "cycle_kind", _("Kind"), key_display="Alt+Y", id="history.kind", show=False
)
"""Show only one kind of event in the full history (cycles through the kinds)."""

FOLLOW_UP_BINDINGS: tuple[Binding, ...] = (
    FOLLOW_UP,
    FOLLOW_UP_LIST,
    LOG_CONTACT,
    CALL_SUGGESTIONS,
    FOLLOW_UP_DONE,
    FOLLOW_UP_POSTPONE,
    FOLLOW_UP_EDIT,
    FOLLOW_UP_DELETE,
    FOLLOW_UP_OWNER,
    FOLLOW_UP_FIND,
    SNOOZE,
    TAB_LOG,
    TAB_FOLLOW_UPS,
    TAB_HISTORY,
    HISTORY_FILTER,
)
"""The bindings of follow-ups, contacts, call suggestions and the inquiry's history tabs."""

_NAMES.setdefault("delete", "Del")

CHOICE_NEXT = Binding("right,space", "next_choice", _("Next"), id="choice.next", show=False)
"""Show the next option of a choice field in a dialog."""

CHOICE_PREVIOUS = Binding(
    "left", "previous_choice", _("Previous"), id="choice.previous", show=False
)
"""Show the previous option of a choice field."""

CHOICE_BINDINGS: tuple[Binding, ...] = (CHOICE_NEXT, CHOICE_PREVIOUS)
"""The keys of the choice fields."""


CALL = Binding("f12,ctrl+t", "app.call", _("Call"), key_display="F12", id="app.call", priority=True)
"""Call the customer in context: one number at once, several in a picker."""

LOG_CALL = Binding(
    "alt+l",
    "app.log_call",
    _("Log call"),
    key_display="Alt+L",
    id="app.log_call",
    priority=True,
    show=False,
)
"""Log topic, agreements and duration of the last call placed (when no hang-up is reported)."""

MISSED_CALLS = Binding(
    "alt+v",
    "app.missed_calls",
    _("Missed calls"),
    key_display="Alt+V",
    id="app.missed_calls",
    priority=True,
    show=False,
)
"""Show the calls that rang unanswered, customers' and unknown numbers' (Verpasste Anrufe)."""


# Letters and mail merge -------------------------------------------------------------------

LETTER = Binding(
    "alt+b", "letter", _("Letter"), key_display="Alt+B", id="inquiry.letter", show=False
)
"""Write a Word letter to the customer shown (Brief): template, contact person, subject; the
footer has no room for it beside F11 and log contact (F1 and the palette show it)."""

MAIL_MERGE = Binding(
    "alt+s",
    "app.mail_merge",
    _("Mail merge"),
    key_display="Alt+S",
    id="app.mail_merge",
    priority=True,
    show=False,
)
"""Open the mail merge (Serienbrief): filters, count, sample, letters."""

MERGE_START = Binding("f10,ctrl+s", "start", _("Start"), key_display="F10", id="merge.start")
"""Write the mail merge's letters (F10; Ctrl+S where the terminal keeps F10)."""

LETTER_BINDINGS: tuple[Binding, ...] = (LETTER, MAIL_MERGE, MERGE_START)
"""The bindings of letters and the mail merge."""

# Sales reports ------------------------------------------------------------------------------

REPORTS = Binding(
    "alt+r",
    "app.reports",
    _("Reports"),
    key_display="Alt+R",
    id="app.reports",
    priority=True,
    show=False,
)
"""Show the sales reports (lapsed customers, customers by revenue, company sales)."""

REPORT_EXPORT = Binding(
    "alt+e", "export", _("Export CSV"), key_display="Alt+E", id="reports.export", priority=True
)
"""Write the report shown to a CSV file (the path is asked, with a default)."""

REPORT_PERIOD = Binding(
    "f8,alt+m",
    "cycle_period",
    _("Months/years"),
    key_display="F8",
    id="reports.period",
    priority=True,
)
"""Switch the company sales between months and years."""

REPORT_BINDINGS: tuple[Binding, ...] = (REPORTS, REPORT_EXPORT, REPORT_PERIOD)
"""The bindings of the reports screen."""


# Documents, open items and dunning ---------------------------------------------------------

DOCUMENTS = Binding(
    "alt+g",
    "app.documents",
    _("Documents"),
    key_display="Alt+G",
    id="app.documents",
    priority=True,
    show=False,
)
"""Show the documents (Belege) of every customer, or of the customer of the inquiry."""

OPEN_ITEMS = Binding(
    "alt+u",
    "app.open_items",
    _("Open items"),
    key_display="Alt+U",
    id="app.open_items",
    priority=True,
    show=False,
)
"""Show the unpaid invoices (Offene Posten), of the inquiry's customer when opened there."""

FILTERS = Binding("alt+f", "find", _("Filters"), key_display="Alt+F", id="filters.find", show=False)
"""Put the cursor into the filter fields of the documents or open items list."""

DOCUMENT_KIND = Binding("f7,alt+y", "cycle_kind", _("Kind"), key_display="F7", id="documents.kind")
"""Show the next kind of document only (quotes, orders … then every kind again)."""

DOCUMENT_SORT = Binding("f6,alt+j", "cycle_sort", _("Sort"), key_display="F6", id="documents.sort")
"""Order the documents by date (newest or oldest first) or by number."""

TO_CUSTOMER = Binding(
    "alt+c", "open_customer", _("Customer"), key_display="Alt+C", id="documents.customer"
)
"""Open the customer inquiry of the selected document or open item."""

PAYMENT = Binding("f8,alt+p", "pay", _("Payment"), key_display="F8", id="open_items.pay")
"""Record a payment against the selected open item."""

OVERDUE = Binding(
    "f7,alt+o", "toggle_overdue", _("Overdue"), key_display="F7", id="open_items.overdue"
)
"""Show only overdue items, or all again."""

DUNNING_RUN = Binding(
    "f6,alt+m", "dunning_run", _("Dunning run"), key_display="F6", id="open_items.dunning_run"
)
"""Propose the items due for their next dunning level (reviewed before anything is written)."""

CREDIT_BLOCK = Binding(
    "alt+x",
    "toggle_block",
    _("Credit block"),
    key_display="Alt+X",
    id="credit.block",
    show=False,
)
"""Block the customer for credit, or lift the block (asks first); in the help and the command
palette, not the key bar (the inquiry's has no room beside F11 and log contact)."""

DUNNING_TOGGLE = Binding(
    "space", "toggle_item", _("Keep / leave out"), key_display="Space", id="dunning.toggle"
)
"""Keep the highlighted item in the dunning run, or leave it out."""

DUNNING_ALL = Binding("a", "toggle_all", _("All / none"), key_display="A", id="dunning.all")
"""Keep every proposed item, or leave every one out."""

DUNNING_CONFIRM = Binding(
    "f10,ctrl+s",
    "confirm",
    _("Raise levels"),
    key_display="F10",
    id="dunning.confirm",
    priority=True,
)
"""Raise the kept items to their next level (asks first)."""

MONEY_BINDINGS: tuple[Binding, ...] = (
    DOCUMENTS,
    OPEN_ITEMS,
    FILTERS,
    DOCUMENT_KIND,
    DOCUMENT_SORT,
    TO_CUSTOMER,
    PAYMENT,
    OVERDUE,
    DUNNING_RUN,
    CREDIT_BLOCK,
    DUNNING_TOGGLE,
    DUNNING_ALL,
    DUNNING_CONFIRM,
)
"""The bindings of documents, open items, payments and the dunning run."""

APP_BINDINGS: tuple[Binding, ...] = (
    HELP,
    SEARCH,
    REFRESH,
    THEME,
    PALETTE,
    QUIT,
    FOLLOW_UP,
    FOLLOW_UP_LIST,
    LOG_CONTACT,
    CALL_SUGGESTIONS,
    CALL,
    LOG_CALL,
    MISSED_CALLS,
    MAIL_MERGE,
    REPORTS,
    DOCUMENTS,
    OPEN_ITEMS,
)
"""Bindings of the App itself."""

ALL: tuple[Binding, ...] = (
    *APP_BINDINGS[:6],
    BACK,
    OPEN,
    CURSOR_TO_RESULTS,
    *LIST_BINDINGS,
    CONFIRM_YES,
    CONFIRM_NO,
    CLOSE,
    *INQUIRY_BINDINGS,
    *FOLLOW_UP_BINDINGS,
    *CHOICE_BINDINGS,
    CALL,
    LOG_CALL,
    MISSED_CALLS,
    *LETTER_BINDINGS,
    *REPORT_BINDINGS,
    *MONEY_BINDINGS,
)
"""Every binding, in the order of the help screen: for the config check and the tests."""

BY_ID: dict[str, Binding] = {binding.id: binding for binding in ALL if binding.id}
"""Bindings by their id."""
