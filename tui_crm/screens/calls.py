"""Calls (F12) and caller ID: the number picker, the big number, the log after hang-up, the
caller pop-up, and the :class:`CallController` the app owns."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Any, cast

from textual import on, work
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, Checkbox, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from tui_crm import formatting, keys
from tui_crm.config import Settings
from tui_crm.db import queries
from tui_crm.db.connection import db
from tui_crm.errors import CrmError, ValidationError
from tui_crm.i18n import _
from tui_crm.paths import STYLES
from tui_crm.screens.base import AppContext, CrmModal
from tui_crm.screens.follow_up_modal import FollowUpModal, error_text, save_hint
from tui_crm.services import contacts, dates, editing, followups, phones
from tui_crm.services.contacts import MAX_DURATION, MAX_TOPIC, ContactRow
from tui_crm.services.followups import FollowUpDraft, FollowUpRow
from tui_crm.services.telephony import callerid, journal
from tui_crm.services.telephony.callerid import (
    CallerCard,
    CallerLookup,
    Candidates,
    UnknownCaller,
    WithheldCaller,
)
from tui_crm.services.telephony.dialers import (
    Dialer,
    DialOutcome,
    DialTarget,
    make_dialer,
    target_for,
)
from tui_crm.services.telephony.events import (
    CallUpdate,
    ListenerState,
    TelephonyEvent,
    status_line,
)
from tui_crm.services.telephony.listener import Listener, make_listener
from tui_crm.widgets.call_status import CallStatus
from tui_crm.widgets.form_row import FormRow
from tui_crm.widgets.live_field import LiveField

log = logging.getLogger(__name__)

FOLLOW_UP_HERE = replace(keys.FOLLOW_UP, action="follow_up", priority=False)
"""F11 inside the caller pop-up (same id, so a remap of ``app.follow_up`` applies): the
app's own F11 is greyed out under dialogs."""

LOOKUP_WAIT = 0.12
"""Seconds a ring waits for the caller's lookup before the pop-up shows without it (and fills
in later): one paint with the card, not two, keeps it well within 200 ms."""

LISTENER_STOP_SECONDS = 1.0
"""How long :meth:`CallController.stop` waits for the listener's thread."""


def clock_text(seconds: int) -> str:
    """A duration as minutes:seconds, ``4:05`` (``75:00`` past an hour)."""
    minutes, rest = divmod(max(0, seconds), 60)
    return f"{minutes}:{rest:02d}"


def call_seconds(text: str) -> int:
    """A call's duration typed as ``4:05`` (minutes:seconds), ``1:04:05`` or ``4`` (minutes).

    Raises:
        ValidationError: Anything else, or more than a day.
    """
    parts = [part.strip() for part in text.strip().split(":")]
    if not 1 <= len(parts) <= 3 or not all(part.isdigit() for part in parts):
        raise ValidationError(_("Type the duration as minutes:seconds, like 4:05."))
    values = [int(part) for part in parts]
    if len(values) == 1:
        seconds = values[0] * 60
    else:
        if values[-1] >= 60 or (len(values) == 3 and values[1] >= 60):
            raise ValidationError(_("Type the duration as minutes:seconds, like 4:05."))
        seconds = values[-1] + values[-2] * 60 + (values[0] * 3600 if len(values) == 3 else 0)
    if seconds > MAX_DURATION:
        raise ValidationError(_("A call cannot last longer than a day."))
    return seconds


def target_line(target: DialTarget) -> Content:
    """One choice of the picker: kind, number, whose it is (the name is never markup)."""
    kind = editing.phone_kind_label(target.label) if target.label else ""
    return Content(f"{kind:<10} {target.display:<20} {target.name}")


@dataclass(frozen=True, slots=True)
class DialledCall:
    """A call placed with F12, remembered for the log after hang-up."""

    target: DialTarget
    """The number called."""
    party_number: str
    """The customer's number (for titles)."""
    contact_id: int | None
    """The ``phone_out`` contact recorded (None: the number belongs to no party)."""
    started_at: datetime
    """When it was dialled (for an incoming call: when it rang)."""
    outcome: DialOutcome | None
    """What the backend did (None for an incoming call)."""
    incoming: bool = False
    """An answered incoming call (logged after hang-up like a placed one)."""


@dataclass(frozen=True, slots=True)
class Caller:
    """Whose incoming call was answered here (for the log after hang-up)."""

    party_id: int
    """The customer."""
    party_number: str
    """Their number."""
    name: str
    """Their name."""
    e164: str
    """The caller's number."""
    contact_person_id: int | None
    """The contact person whose number it is."""
    contact_person: str
    """Their name."""


@dataclass(frozen=True, slots=True)
class CallerChoice:
    """What the clerk chose in the caller pop-up."""

    action: str
    """``open`` (the customer), ``search`` (the number in the start screen's search) or
    ``new_prospect`` (a prospect with the number)."""
    party_id: int | None = None
    """The customer chosen, for ``open``."""
    number: str = ""
    """Their customer number, for ``open``."""
    phone: str = ""
    """The caller's number as shown, for ``search`` and ``new_prospect``."""


# Picking the number ----------------------------------------------------------------------


class CallPickerModal(ModalScreen[DialTarget | None]):
    """The numbers of a customer (main number first and preselected, then mobile and other
    numbers, then the contact persons'); Enter dials, Esc cancels.

    Args:
        targets: From :func:`~tui_crm.services.telephony.journal.call_choices`, main first.
        title: Whom the numbers belong to.
    """

    CSS_PATH = STYLES / "calls.tcss"
    BINDINGS = [keys.BACK]

    def __init__(self, targets: Sequence[DialTarget], title: str) -> None:
        super().__init__()
        self.targets = tuple(targets)
        """The numbers offered."""
        self.title_text = title
        """The dialog's heading."""

    def compose(self) -> ComposeResult:
        """Heading, the numbers, the key hint."""
        with Vertical(id="call-box"):
            yield Label(self.title_text, id="call-title", markup=False)
            yield OptionList(
                *[Option(target_line(target)) for target in self.targets], id="call-numbers"
            )
            yield Label(_("Enter calls · Esc cancels"), id="call-hint", markup=False)

    def on_mount(self) -> None:
        """Preselect the main number (the first) and put the cursor into the list."""
        numbers = self.query_one("#call-numbers", OptionList)
        numbers.highlighted = 0
        numbers.focus()

    @property
    def highlighted(self) -> DialTarget | None:
        """The number under the cursor."""
        index = self.query_one("#call-numbers", OptionList).highlighted
        return self.targets[index] if index is not None else None

    @on(OptionList.OptionSelected, "#call-numbers")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        """Enter: dial the number under the cursor."""
        event.stop()
        self.dismiss(self.targets[event.option_index])

    def action_back(self) -> None:
        """Esc: call no one."""
        self.dismiss(None)


# Backend none: the number big ------------------------------------------------------------


class NumberModal(ModalScreen[None]):
    """``backend = "none"``: the number big, for the clerk to dial by hand, with its national
    and international forms; Enter copies it (OSC 52, works over SSH), Esc closes.

    Args:
        target: The number to call.
        outcome: The dialer's answer (``show`` big, ``copy`` to the clipboard).
    """

    CSS_PATH = STYLES / "calls.tcss"
    BINDINGS = [keys.BACK]

    def __init__(self, target: DialTarget, outcome: DialOutcome) -> None:
        super().__init__()
        self.target = target
        """The number to call."""
        self.outcome = outcome
        """What the dialer said to show and copy."""

    @property
    def copy_text(self) -> str:
        """What Copy puts on the clipboard: the digits as dialled here."""
        return self.outcome.copy or self.target.national

    def compose(self) -> ComposeResult:
        """Heading, whose number, the digits big, both forms, Copy and Close."""
        with Vertical(id="number-box"):
            yield Label(_("Dial on your phone"), id="number-title", markup=False)
            yield Label(self.target.name, id="number-name", markup=False)
            # Big digits (Textual's Digits) need box characters that Windows console fonts lack.
            yield Label(self.outcome.show or self.target.display, id="number-digits", markup=False)
            yield Label(
                _("National: {number}").format(number=self.target.national),
                id="number-national",
                markup=False,
            )
            yield Label(
                _("International: {number}").format(number=self.target.e164),
                id="number-e164",
                markup=False,
            )
            with Horizontal(id="number-buttons"):
                yield Button(_("Copy"), id="number-copy", variant="primary")
                yield Button(_("Close"), id="number-close")
            yield Label(_("Enter copies the number · Esc closes"), id="number-hint", markup=False)

    def on_mount(self) -> None:
        """Enter presses Copy."""
        self.query_one("#number-copy", Button).focus()

    @on(Button.Pressed, "#number-copy")
    def copy_number(self, event: Button.Pressed) -> None:
        """Put the number on the clipboard and close."""
        event.stop()
        self.app.copy_to_clipboard(self.copy_text)
        self.notify(
            _("{number} is on the clipboard.").format(number=self.copy_text),
            title=_("Call"),
            markup=False,
        )
        self.dismiss(None)

    @on(Button.Pressed, "#number-close")
    def close(self, event: Button.Pressed) -> None:
        """Close without copying."""
        event.stop()
        self.dismiss(None)

    def action_back(self) -> None:
        """Esc: close."""
        self.dismiss(None)


# After hang-up: topic, agreements, duration ----------------------------------------------


class AfterCallModal(CrmModal[ContactRow | None]):
    """Log a call placed with F12, or an answered incoming one, in one step: topic,
    agreements, the duration filled in (as the PBX reported it, else counted from dialling
    to now), optionally a follow-up.

    The call is already in the contact log (phone out or in, clerk, time); Esc leaves it so.

    Args:
        call: The call placed.
        duration_seconds: As the call monitor reported it; None counts to ``ended_at``.
        ended_at: When it ended (default: now).
    """

    CSS_PATH = STYLES / "calls.tcss"
    BINDINGS = [keys.SAVE, keys.BACK]

    def __init__(
        self,
        call: DialledCall,
        *,
        duration_seconds: int | None = None,
        ended_at: datetime | None = None,
    ) -> None:
        super().__init__()
        self.call = call
        """The call to log."""
        if duration_seconds is None:
            duration_seconds = int(((ended_at or datetime.now()) - call.started_at).total_seconds())
        self.duration_seconds = max(0, min(MAX_DURATION, duration_seconds))
        """The duration prefilled."""
        self.saving = False
        """Whether a save is running."""

    def compose(self) -> ComposeResult:
        """Heading, topic, agreements, duration, an optional follow-up, messages."""
        target = self.call.target
        with Vertical(id="after-call-box"):
            yield Label(
                _("Log call · {customer}: {name}").format(
                    customer=self.call.party_number, name=target.name
                ),
                id="after-call-title",
                markup=False,
            )
            when = formatting.moment(self.call.started_at)
            yield Label(
                _("{number}, called in {when}").format(number=target.display, when=when)
                if self.call.incoming
                else _("{number}, dialled {when}").format(number=target.display, when=when),
                id="after-call-number",
                markup=False,
            )
            yield FormRow(_("Topic"), Input("", id="topic", compact=True, max_length=MAX_TOPIC))
            yield FormRow(_("Agreements"), Input("", id="agreements", compact=True))
            yield LiveField(
                "duration",
                _("Duration"),
                clock_text(self.duration_seconds),
                parse=call_seconds,
                describe=clock_text,
                placeholder="4:05",
                max_length=8,
            )
            yield FormRow(
                _("Follow-up"),
                Checkbox(_("Create a follow-up"), False, id="with-follow-up", compact=True),
            )
            yield LiveField(
                "follow-up-due",
                _("Follow-up due"),
                "+7",
                parse=lambda text: dates.parse_due(text, self.context.today),
                describe=lambda day: dates.describe(day, self.context.today),
                placeholder="+3, +2w, mo, 24.12.",
                max_length=20,
            )
            yield Label("", id="after-call-error", markup=False)
            yield Label(save_hint(), id="after-call-hint", markup=False)

    def on_mount(self) -> None:
        """Cursor into the topic."""
        self.query_one("#topic", Input).focus()

    @on(LiveField.Changed, "#field-follow-up-due")
    def follow_up_typed(self) -> None:
        """Changing the due date asks for a follow-up."""
        due = self.query_one("#field-follow-up-due", LiveField)
        if due.input.value != due.initial:
            self.query_one("#with-follow-up", Checkbox).value = True

    def show_error(self, message: str) -> None:
        """Show what keeps the call from being logged."""
        self.query_one("#after-call-error", Label).update(message)
        self.set_class(bool(message), "-error")

    def follow_up(self, topic: str) -> FollowUpDraft | None:
        """The follow-up to create with the call, if asked for (subject: the topic).

        Raises:
            ValidationError: Its due date is not acceptable, or there is no topic.
        """
        if not self.query_one("#with-follow-up", Checkbox).value:
            return None
        field = self.query_one("#field-follow-up-due", LiveField)
        try:
            due = field.value()
        except ValidationError:
            field.input.focus()
            raise
        if due is None:
            field.input.focus()
            raise ValidationError(_("Enter a due date."))
        if not topic:
            self.query_one("#topic", Input).focus()
            raise ValidationError(_("Enter a subject."))
        return followups.check_draft(FollowUpDraft(due_date=due, subject=topic))

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        """Enter in any field saves."""
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        """Check the fields and log the call in a thread."""
        if self.saving or self.call.contact_id is None:
            return
        topic = self.query_one("#topic", Input).value.strip()
        duration_field = self.query_one("#field-duration", LiveField)
        try:
            duration = duration_field.value()
            follow_up = self.follow_up(topic)
        except ValidationError as error:
            self.show_error(error.msg)
            return
        self.show_error("")
        self.saving = True
        self.save(
            self.call.contact_id,
            topic,
            self.query_one("#agreements", Input).value.strip(),
            duration if isinstance(duration, int) else None,
            follow_up,
        )

    @work(thread=True, exclusive=True, group="after-call-save", exit_on_error=False)
    def save(
        self,
        contact_id: int,
        topic: str,
        agreements: str,
        duration: int | None,
        follow_up: FollowUpDraft | None,
    ) -> None:
        """Write topic, agreements, duration (and the follow-up) in one transaction."""
        try:
            with db.connection_context():
                row = journal.finish_call(
                    contact_id,
                    topic,
                    agreements,
                    self.context.clerk_id,
                    duration_seconds=duration,
                    follow_up=follow_up,
                    today=self.context.today,
                )
        except Exception as error:  # shown in the dialog, which stays open
            self.app.call_from_thread(self.failed, error_text(error))
            return
        self.app.call_from_thread(self.dismiss, row)

    def failed(self, message: str) -> None:
        """The save was refused: say why."""
        self.saving = False
        self.show_error(message)
        self.notify(message, title=_("Call"), severity="error", markup=False)

    def action_back(self) -> None:
        """Esc: leave the call logged as it is (phone out, clerk, time)."""
        self.dismiss(None)


# Incoming: the caller pop-up -------------------------------------------------------------


class IncomingCallModal(CrmModal[CallerChoice | None]):
    """Who is calling, at once: number, name, city, open items and dunning level, next
    follow-up and last contact. Several customers with the number: a list to choose from.
    Unknown: search for the number or create a prospect with it. Withheld: says so.

    Enter opens the customer (:class:`CallerChoice` ``open``), F11 sets a follow-up, Esc
    dismisses. The lookup runs in a thread worker (index seeks only).

    Args:
        number: The caller ID as the PBX reported it ('' when withheld).
        rang_at: When it rang.
        call_id: The PBX's id of the call.
        lookup: The lookup's answer when already known.
        look_up: Whether the pop-up looks the number up itself when ``lookup`` is None
            (False: the controller's lookup calls :meth:`show`).
    """

    CSS_PATH = STYLES / "calls.tcss"
    BINDINGS = [
        keys.BACK,
        keys.OPEN,
        FOLLOW_UP_HERE,
        keys.NEW_PROSPECT,
        keys.LIST_UP,
        keys.LIST_DOWN,
    ]
    AUTO_FOCUS = ""
    """Nothing has the cursor until the lookup says what to choose (Enter opens a card)."""

    def __init__(
        self,
        number: str,
        *,
        rang_at: datetime | None = None,
        call_id: str = "",
        lookup: CallerLookup | None = None,
        look_up: bool = True,
    ) -> None:
        super().__init__()
        self.look_up_here = look_up
        """Whether the pop-up starts the lookup itself."""
        self.error = ""
        """Why the lookup failed (empty when it did not)."""
        self.popped_up = False
        """Whether the controller pushed it (the controller's flag)."""
        self.number = number
        """The caller ID as reported."""
        self.rang_at = rang_at or datetime.now()
        """When it rang."""
        self.call_id = call_id
        """The PBX's id of the call."""
        self.lookup = lookup
        """Who it is, once looked up (None until then)."""

    def compose(self) -> ComposeResult:
        """Heading, number, name, place, figures; candidates or buttons where needed."""
        with Vertical(id="caller-box"):
            yield Label(
                _("Incoming call · {time}").format(time=self.rang_at.strftime("%H:%M")),
                id="caller-title",
                markup=False,
            )
            yield Label(self.number or "", id="caller-number", markup=False)
            yield Label(_("Looking up the number …"), id="caller-name", markup=False)
            yield Label("", id="caller-place", markup=False)
            yield Static("", id="caller-figures")
            yield OptionList(id="caller-candidates")
            with Horizontal(id="caller-buttons"):
                yield Button(_("Search"), id="caller-search", variant="primary")
                yield Button(_("New prospect"), id="caller-new")
            yield Label("", id="caller-call-state", markup=False)
            yield Label(_("Esc dismisses"), id="caller-hint", markup=False)

    def on_mount(self) -> None:
        """Show the lookup, or start it."""
        if self.lookup is not None:
            self.show(self.lookup)
        elif self.error:
            self.show_error(self.error)
        elif self.look_up_here:
            self.look_up()

    @work(thread=True, exclusive=True, group="caller", exit_on_error=False)
    def look_up(self) -> None:
        """Find the caller in a thread."""
        try:
            with db.connection_context():
                found = callerid.caller_card(
                    self.number, self.context.settings, today=self.context.today
                )
        except Exception as error:  # the pop-up still shows the number
            self.app.call_from_thread(self.show_error, error_text(error))
            return
        self.app.call_from_thread(self.show, found)

    def show_error(self, message: str) -> None:
        """The lookup failed: say so beside the number."""
        self.query_one("#caller-name", Label).update(message)
        self.set_class(True, "-error")

    def show(self, found: CallerLookup) -> None:
        """Fill the pop-up with ``found``."""
        self.lookup = found
        self.remove_class("-card", "-candidates", "-unknown", "-withheld")
        name = self.query_one("#caller-name", Label)
        number = self.query_one("#caller-number", Label)
        hint = self.query_one("#caller-hint", Label)
        if isinstance(found, WithheldCaller):
            self.add_class("-withheld")
            number.update("")
            name.update(_("Withheld number: the caller does not show it."))
            hint.update(_("Esc dismisses"))
        elif isinstance(found, UnknownCaller):
            self.add_class("-unknown")
            number.update(found.display)
            name.update(_("Unknown number"))
            hint.update(
                _("Enter searches for the number · {key} new prospect · Esc dismisses").format(
                    key=keys.NEW_PROSPECT.key_display
                )
            )
            self.call_after_refresh(self.query_one("#caller-search", Button).focus)
        elif isinstance(found, Candidates):
            self.add_class("-candidates")
            number.update(found.display)
            name.update(
                _("{count} customers have this number: choose one").format(count=len(found.matches))
            )
            candidates = self.query_one("#caller-candidates", OptionList)
            candidates.set_options(
                Option(
                    Content(
                        "  ".join(
                            part
                            for part in (
                                match.party_number,
                                match.name,
                                match.city,
                                match.contact_person,
                            )
                            if part
                        )
                    )
                )
                for match in found.matches
            )
            candidates.highlighted = 0
            # Shown by the -candidates class from the next style update on: a hidden widget
            # cannot take the focus, so it is given after the refresh.
            self.call_after_refresh(candidates.focus)
            hint.update(
                _("Enter opens the customer · {key} follow-up · Esc dismisses").format(
                    key=keys.FOLLOW_UP.key_display
                )
            )
        else:
            self.add_class("-card")
            self.show_card(found)
            hint.update(
                _("Enter opens the customer · {key} follow-up · Esc dismisses").format(
                    key=keys.FOLLOW_UP.key_display
                )
            )

    def show_card(self, card: CallerCard) -> None:
        """Number, name, city and the figures of the one customer with the number."""
        self.query_one("#caller-number", Label).update(card.display)
        kind = _("Prospect") if card.party_kind == "prospect" else _("Customer")
        name = f"{card.party_number} · {card.name} ({kind})"
        if card.blocked:
            name += f" · {_('BLOCKED')}"
        self.query_one("#caller-name", Label).update(name)
        place = [card.city]
        if card.contact_person:
            place.append(card.contact_person)
        if card.phone_kind:
            place.append(editing.phone_kind_label(card.phone_kind))
        self.query_one("#caller-place", Label).update(" · ".join(part for part in place if part))
        self.query_one("#caller-figures", Static).update(figures(card))
        self.set_class(card.blocked, "-blocked")

    def call_state(self, text: str) -> None:
        """Say what became of the call (answered, missed, ended)."""
        self.query_one("#caller-call-state", Label).update(text)

    def context_party(self) -> tuple[int, str] | None:
        """The caller's customer (id and number), for F11; None when unknown, withheld or
        not looked up yet. Answers without the database."""
        found = self.lookup
        if isinstance(found, CallerCard):
            return found.party_id, found.party_number
        if isinstance(found, Candidates) and self.is_mounted:
            index = self.query_one("#caller-candidates", OptionList).highlighted
            if index is not None and index < len(found.matches):
                match = found.matches[index]
                return match.party_id, match.party_number
        return None

    @property
    def phone_text(self) -> str:
        """The caller's number as shown ('' when withheld or not looked up yet)."""
        found = self.lookup
        if isinstance(found, UnknownCaller | Candidates | CallerCard):
            return found.display
        return ""

    def action_open(self) -> None:
        """Enter: open the customer; for an unknown number search for it."""
        if isinstance(self.lookup, UnknownCaller):
            self.dismiss(CallerChoice("search", phone=self.phone_text))
            return
        party = self.context_party()
        if party is not None:
            self.dismiss(CallerChoice("open", party[0], party[1]))

    def action_cursor_down(self) -> None:
        """Down: the next candidate, also before the list has the focus."""
        if isinstance(self.lookup, Candidates):
            self.query_one("#caller-candidates", OptionList).action_cursor_down()

    def action_cursor_up(self) -> None:
        """Up: the previous candidate."""
        if isinstance(self.lookup, Candidates):
            self.query_one("#caller-candidates", OptionList).action_cursor_up()

    @on(OptionList.OptionSelected, "#caller-candidates")
    def candidate_chosen(self, event: OptionList.OptionSelected) -> None:
        """Enter on a candidate opens it."""
        event.stop()
        self.action_open()

    @on(Button.Pressed, "#caller-search")
    def search_pressed(self, event: Button.Pressed) -> None:
        """Search for the number in the start screen."""
        event.stop()
        self.dismiss(CallerChoice("search", phone=self.phone_text))

    @on(Button.Pressed, "#caller-new")
    def new_pressed(self, event: Button.Pressed) -> None:
        """Create a prospect with the number."""
        event.stop()
        self.action_new_party("prospect")

    def action_new_party(self, kind: str) -> None:
        """Alt+I: a new prospect with the caller's number (unknown callers only)."""
        if isinstance(self.lookup, UnknownCaller):
            self.dismiss(CallerChoice("new_prospect", phone=self.phone_text))

    def action_follow_up(self) -> None:
        """F11: a follow-up for the caller's customer; the pop-up stays below it."""
        party = self.context_party()
        if party is not None:
            self.app.push_screen(FollowUpModal(*party), self.follow_up_saved)

    def follow_up_saved(self, row: FollowUpRow | None) -> None:
        """Say when the new follow-up is due."""
        if row is not None:
            self.notify(
                _("Follow-up for {customer}: {subject}, {date}").format(
                    customer=row.number,
                    subject=row.subject,
                    date=dates.describe(row.due_date, self.context.today),
                ),
                title=_("Follow-up saved"),
                markup=False,
            )

    def action_back(self) -> None:
        """Esc: dismiss the pop-up."""
        self.dismiss(None)


def figures(card: CallerCard) -> Content:
    """Open items, dunning level, next follow-up and last contact, one per line."""
    open_items = formatting.money(card.open_balance)
    if card.open_items:
        open_items += f" ({card.open_items})"
        if card.overdue:
            open_items += " · " + _("Overdue:") + " " + formatting.money(card.overdue)
    follow_up = _("none")
    if card.next_follow_up is not None:
        clock = card.next_follow_up_time.strftime(" %H:%M") if card.next_follow_up_time else ""
        follow_up = f"{formatting.day(card.next_follow_up)}{clock} {card.next_follow_up_subject}"
    last = "-"
    if card.last_contact_at is not None:
        last = " ".join(
            part
            for part in (
                formatting.moment(card.last_contact_at),
                contacts.kind_label(card.last_contact_kind) if card.last_contact_kind else "",
                card.last_contact_topic,
            )
            if part
        )
    rows = [
        (_("Open items:"), open_items, card.overdue > 0),
        (
            _("Dunning level:"),
            str(card.dunning_level) if card.dunning_level else "-",
            card.dunning_level > 0,
        ),
        (_("Next follow-up:"), follow_up, False),
        (_("Last contact:"), last, False),
    ]
    width = max(len(label) for label, _value, _alert in rows) + 1
    return Content("\n").join(
        Content.assemble((label.ljust(width), "dim"), (value, "bold" if alert else ""))
        for label, value, alert in rows
    )


# The controller --------------------------------------------------------------------------


class CallController:
    """F12 and caller ID for the whole app: owned by it (``app.calls``), started in its
    ``on_mount`` and stopped in its ``on_unmount``.

    - :meth:`call`: the customer's numbers (thread worker), a picker when there are several,
      the dial (thread worker, one long-lived dialer), errors as notifications, the big number
      for ``backend = "none"``; the call placed is remembered for :meth:`log_last_call` and
      for the log offered when the call monitor reports its end.
    - :meth:`start_listener`: the ``[telephony] monitor`` listener in its own thread; each
      ring pops up :class:`IncomingCallModal`, each missed call is recorded, its state goes
      to every :class:`~tui_crm.widgets.call_status.CallStatus`.

    Args:
        app: The running app (a CrmApp: ``settings``, ``clerk_id``, ``today``).
        settings: The settings (``[telephony]``).
    """

    def __init__(self, app: App[Any], settings: Settings) -> None:
        self.app = app
        """The app."""
        self.settings = settings
        """The settings."""
        self.dialer: Dialer | None = None
        """The dialer, made on the first call and kept (the FRITZ!Box one caches)."""
        self.listener: Listener | None = None
        """The caller-ID listener, while running."""
        self.listener_state: ListenerState | None = None
        """The listener's last state (None: no listener)."""
        self.last_call: DialledCall | None = None
        """The last call placed in this session."""
        self.logged_offered: int | None = None
        """The contact id of the call whose log was last offered (offered once on hang-up)."""
        self.incoming: dict[str, IncomingCallModal] = {}
        """Caller pop-ups shown, by the PBX's call id."""
        self.chosen: dict[str, tuple[int, str]] = {}
        """The customer (id, number) the clerk opened from a call's pop-up, by call id."""
        self.taken: dict[str, IncomingCallModal] = {}
        """Incoming calls answered at this workstation, by call id, until they end."""
        self.extension = ""
        """This workstation's extension, to know which answered calls are taken here (read
        when the listener starts; empty: a call is this clerk's while its pop-up is open
        or its customer was opened from it)."""
        self._lock = threading.Lock()
        self._stopped = True

    @property
    def context(self) -> AppContext:
        """The app's settings, clerk and day."""
        return cast(AppContext, self.app)

    @property
    def status(self) -> str:
        """The listener's state as one line ('' without a listener)."""
        return status_line(self.listener_state) if self.listener_state is not None else ""

    # Calling ------------------------------------------------------------------------------

    def call(self, party_id: int | None, number: str | None) -> None:
        """F12: call the customer (by id, else by customer number).

        One number is dialled at once; several are offered in :class:`CallPickerModal`.
        """
        if party_id is None and not number:
            self.app.notify(_("No customer to call."), title=_("Call"), severity="warning")
            return
        self.app.run_worker(
            partial(self._load_choices, party_id, number or ""),
            name="call choices",
            group="call-choices",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def call_number(self, e164: str) -> None:
        """F12 on a number of no customer (an unknown caller): dial it as it is."""
        try:
            target = target_for(e164, self.settings)
        except ValidationError as error:
            self.app.notify(error.msg, title=error.title, severity="error", markup=False)
            return
        self.dial(target)

    def _load_choices(self, party_id: int | None, number: str) -> None:
        try:
            with db.connection_context():
                if party_id is None:
                    party = queries.party_by_number(number)
                    if party is None:
                        raise ValidationError(
                            _("There is no customer {number}.").format(number=number),
                            title=_("Call"),
                        )
                    party_id, number = int(party.id), str(party.number)
                choices = journal.call_choices(party_id, self.settings)
        except Exception as error:
            self.app.call_from_thread(self.failed, error)
            return
        self.app.call_from_thread(self._choose, number, choices)

    def _choose(self, number: str, choices: list[DialTarget]) -> None:
        if not choices:
            self.app.notify(
                _("Customer {number} has no phone number to call.").format(number=number),
                title=_("Call"),
                severity="error",
                markup=False,
            )
        elif len(choices) == 1:
            self.dial(choices[0], number)
        else:
            title = _("Call {customer}").format(customer=f"{number}: {choices[0].name}")
            self.app.push_screen(CallPickerModal(choices, title), partial(self._picked, number))

    def _picked(self, number: str, target: DialTarget | None) -> None:
        if target is not None:
            self.dial(target, number)

    def dial(self, target: DialTarget, party_number: str = "") -> None:
        """Dial ``target`` in a thread worker and record the call."""
        self.app.run_worker(
            partial(self._dial, target, party_number),
            name="dial",
            group="call-dial",
            thread=True,
            exit_on_error=False,
        )

    def _dial(self, target: DialTarget, party_number: str) -> None:
        try:
            with self._lock:
                if self.dialer is None:
                    self.dialer = make_dialer(self.settings)
                dialer = self.dialer
            with db.connection_context():
                placed = journal.place_call(
                    target, self.context.clerk_id, self.settings, dialer=dialer
                )
        except Exception as error:
            self.app.call_from_thread(self.failed, error)
            return
        call = DialledCall(
            target,
            party_number,
            placed.contact.id if placed.contact is not None else None,
            placed.started_at,
            placed.outcome,
        )
        self.app.call_from_thread(self._placed, call)

    def _placed(self, call: DialledCall) -> None:
        self.last_call = call
        outcome = call.outcome
        if outcome is not None and not outcome.placed:
            self.app.push_screen(NumberModal(call.target, outcome))
        elif outcome is not None:
            self.app.notify(outcome.message, title=_("Call"), markup=False)

    def failed(self, error: BaseException) -> None:
        """Tell the clerk what failed (a telephony error says what to check)."""
        if isinstance(error, CrmError):
            self.app.notify(error.msg, title=error.title, severity="error", markup=False)
            return
        log.error("call failed: %r", error)
        self.app.notify(
            f"{type(error).__name__}: {error}",
            title=_("Unexpected error"),
            severity="error",
            markup=False,
        )

    def log_last_call(self) -> None:
        """Log topic and agreements of the last call placed (when no hang-up was reported)."""
        call = self.last_call
        if call is None or call.contact_id is None:
            self.app.notify(_("No call to log yet."), title=_("Call"), severity="warning")
            return
        self.offer_log(call)

    def offer_log(
        self,
        call: DialledCall,
        duration_seconds: int | None = None,
        ended_at: datetime | None = None,
    ) -> None:
        """Open :class:`AfterCallModal` for ``call`` (unless it is open already)."""
        if isinstance(self.app.screen, AfterCallModal) or call.contact_id is None:
            return
        self.logged_offered = call.contact_id
        self.app.push_screen(
            AfterCallModal(call, duration_seconds=duration_seconds, ended_at=ended_at),
            self._logged,
        )

    def _logged(self, row: ContactRow | None) -> None:
        if row is not None:
            self.app.notify(
                _("Call logged ({duration}).").format(
                    duration=clock_text(row.duration_seconds or 0)
                ),
                title=_("Call"),
                markup=False,
            )

    def is_last_call(self, update: CallUpdate) -> bool:
        """Whether ``update`` (an outgoing call's end) is the last call placed here."""
        call = self.last_call
        if call is None or call.contact_id is None or update.direction != "out":
            return False
        if self.logged_offered == call.contact_id:
            return False
        if call.outcome is not None and call.outcome.call_id == update.call_id != "":
            return True
        return phones.same_number(update.remote, call.target.e164, self.settings)

    # Caller ID ------------------------------------------------------------------------------

    def start_listener(self) -> None:
        """Start the ``[telephony] monitor`` listener (nothing for ``none``)."""
        if self.settings.telephony.monitor == "none" or self.listener is not None:
            return
        self._stopped = False
        self.app.run_worker(
            self._start_listener,
            name="call listener",
            group="call-listener",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def _start_listener(self) -> None:
        extension = ""
        try:
            with db.connection_context():
                extension = journal.clerk_extension(self.context.clerk_id, self.settings)
        except Exception as error:  # every call is reported then, not just the clerk's
            log.warning("clerk extension: %r", error)
        self.extension = extension
        if self.settings.telephony.monitor != "asterisk":
            extension = ""  # the FRITZ!Box reports every call; CONNECT names the extension
        listener = make_listener(self.settings, self.on_event, extension=extension)
        if listener is None:
            return
        with self._lock:
            if self._stopped:
                return
            self.listener = listener
        listener.start()

    def stop(self) -> None:
        """Stop the listener and close the dialer's connection (the app is ending)."""
        with self._lock:
            self._stopped = True
            listener, self.listener = self.listener, None
        if listener is not None:
            listener.stop(LISTENER_STOP_SECONDS)
            # Its own "stopped" report is not waited for (see on_event).
            self.show_state(replace(listener.state, status="stopped", reason="", retry_in=None))
        close = getattr(self.dialer, "close", None)
        if callable(close):
            close()

    def on_event(self, event: TelephonyEvent) -> None:
        """From the listener's thread: hand ``event`` to the UI thread.

        ``call_later`` posts a message (thread-safe) and returns at once, so a listener
        never waits for the UI: ``call_from_thread`` would block it, and :meth:`stop`
        (on the UI thread) joins the listener while its last ``stopped`` report waits.
        """
        if not self._stopped:
            self.app.call_later(self.handle, event)

    def handle(self, event: TelephonyEvent) -> None:
        """React to a call update or a listener state, on the UI thread."""
        if isinstance(event, ListenerState):
            self.show_state(event)
            return
        if event.direction == "in":
            if event.kind == "ringing":
                self.ring(event)
            elif event.kind == "answered":
                self._mark(event, _("Answered"))
                self.answered(event)
            elif event.kind == "missed":
                self._mark(event, _("Missed call"))
                self.record_missed(event)
            elif event.kind == "ended":
                self._mark(event, _("Call ended"))
                self.incoming_ended(event)
        elif event.kind == "ended" and self.is_last_call(event) and self.last_call is not None:
            self.offer_log(self.last_call, event.duration_seconds or 0, event.ended_at)

    def ring(self, update: CallUpdate) -> None:
        """Pop up who is calling: with the card once looked up (thread worker), or after
        :data:`LOOKUP_WAIT` without it (it fills in when the lookup returns)."""
        modal = IncomingCallModal(
            update.remote, rang_at=update.started_at, call_id=update.call_id, look_up=False
        )
        self.incoming[update.call_id] = modal
        timer = self.app.set_timer(LOOKUP_WAIT, partial(self.pop_up, modal))
        self.app.run_worker(
            partial(self._look_up, modal, timer),
            name="caller lookup",
            group="caller-lookup",
            thread=True,
            exit_on_error=False,
        )

    def _look_up(self, modal: IncomingCallModal, timer: Timer) -> None:
        try:
            with db.connection_context():
                found = callerid.caller_card(modal.number, self.settings, today=self.context.today)
        except Exception as error:  # the pop-up still shows the number
            self.app.call_from_thread(self._looked_up, modal, timer, None, error_text(error))
            return
        self.app.call_from_thread(self._looked_up, modal, timer, found, "")

    def _looked_up(
        self, modal: IncomingCallModal, timer: Timer, found: CallerLookup | None, error: str
    ) -> None:
        if modal.popped_up:
            if not modal.is_attached:  # dismissed before the lookup returned
                return
            if found is not None:
                modal.show(found)
            else:
                modal.show_error(error)
            return
        timer.stop()
        modal.lookup = found
        modal.error = error
        self.pop_up(modal)

    def pop_up(self, modal: IncomingCallModal) -> None:
        """Push the caller pop-up (once; not after the clerk dismissed it)."""
        if modal.popped_up or self.incoming.get(modal.call_id) is not modal:
            return
        modal.popped_up = True
        self.app.push_screen(modal, partial(self.caller_chosen, modal.call_id))

    def _mark(self, update: CallUpdate, text: str) -> None:
        modal = self.incoming.get(update.call_id)
        if modal is not None and modal.is_attached:
            modal.call_state(text)

    def answered(self, update: CallUpdate) -> None:
        """Note an incoming call answered here: at this extension, or (no extension known)
        while its pop-up is open or after its customer was opened from it."""
        modal = self.incoming.get(update.call_id)
        if modal is None:
            return
        if self.extension and update.local:
            mine = update.local == self.extension
        else:
            mine = modal.is_attached or update.call_id in self.chosen
        if mine:
            self.taken[update.call_id] = modal

    def caller_of(self, call_id: str, modal: IncomingCallModal) -> Caller | None:
        """The customer of an incoming call: the one opened from its pop-up, else the one
        the number belongs to (None: unknown, withheld, or several and none chosen)."""
        found = modal.lookup
        chosen = self.chosen.get(call_id)
        if isinstance(found, CallerCard) and (chosen is None or chosen[0] == found.party_id):
            return Caller(
                found.party_id,
                found.party_number,
                found.name,
                found.number,
                found.contact_person_id,
                found.contact_person,
            )
        if isinstance(found, Candidates) and chosen is not None:
            for match in found.matches:
                if match.party_id == chosen[0]:
                    return Caller(
                        match.party_id,
                        match.party_number,
                        match.name,
                        found.number,
                        match.contact_person_id,
                        match.contact_person,
                    )
        return None

    def incoming_ended(self, update: CallUpdate) -> None:
        """An incoming call taken here hung up: record it (phone in, with its duration)
        and offer the one-step log, as after a placed call."""
        modal = self.taken.pop(update.call_id, None)
        self.incoming.pop(update.call_id, None)
        if modal is None:
            self.chosen.pop(update.call_id, None)
            return
        card = self.caller_of(update.call_id, modal)
        self.chosen.pop(update.call_id, None)
        if card is None:
            return
        self.app.run_worker(
            partial(self._record_answered, card, update, modal.rang_at),
            name="answered call",
            group="call-answered",
            thread=True,
            exit_on_error=False,
        )

    def _record_answered(self, card: Caller, update: CallUpdate, rang_at: datetime) -> None:
        try:
            with db.connection_context():
                row = journal.record_answered(
                    card.party_id,
                    card.e164,
                    self.context.clerk_id,
                    at=rang_at,
                    duration_seconds=update.duration_seconds,
                    ended_at=update.ended_at,
                    contact_person=card.contact_person_id,
                )
        except Exception as error:
            self.app.call_from_thread(self.failed, error)
            return
        self.app.call_from_thread(self._offer_incoming_log, card, row, update)

    def _offer_incoming_log(self, card: Caller, row: ContactRow, update: CallUpdate) -> None:
        person = f" ({card.contact_person})" if card.contact_person else ""
        target = target_for(
            card.e164, self.settings, party_id=card.party_id, name=card.name + person
        )
        call = DialledCall(target, card.party_number, row.id, row.at, None, incoming=True)
        self.offer_log(call, update.duration_seconds, update.ended_at)

    def record_missed(self, update: CallUpdate) -> None:
        """Record a call that rang unanswered (thread worker; idempotent across sessions)."""
        self.app.run_worker(
            partial(self._record_missed, update),
            name="missed call",
            group="call-missed",
            thread=True,
            exit_on_error=False,
        )

    def _record_missed(self, update: CallUpdate) -> None:
        try:
            with db.connection_context():
                journal.record_missed(update.remote, update.started_at, self.settings)
        except Exception as error:
            self.app.call_from_thread(self.failed, error)

    def caller_chosen(self, call_id: str, choice: CallerChoice | None) -> None:
        """Do what the clerk chose in the caller pop-up."""
        if choice is None:
            return
        if choice.action == "open" and choice.number and choice.party_id is not None:
            self.chosen[call_id] = (choice.party_id, choice.number)
            from tui_crm.screens.inquiry import InquiryScreen

            self.app.push_screen(InquiryScreen(choice.number))
        elif choice.action == "search":
            self.search(choice.phone)
        elif choice.action == "new_prospect":
            self.new_prospect(choice.phone)

    def search(self, text: str) -> None:
        """Put ``text`` into the start screen's search (screens above it are closed, but
        none with unsaved edits)."""
        from tui_crm.screens.start import StartScreen

        app = self.app
        while len(app.screen_stack) > 2 and not isinstance(app.screen, StartScreen):
            if getattr(app.screen, "has_unsaved_changes", False):
                app.notify(
                    _("Save or cancel the edit first; then search for {number}.").format(
                        number=text
                    ),
                    title=_("Search"),
                    severity="warning",
                    markup=False,
                )
                return
            app.pop_screen()
        screen = app.screen
        if isinstance(screen, StartScreen):
            screen.query_one("#search", Input).value = text
            screen.focus_search()

    def new_prospect(self, phone: str) -> None:
        """Open the new-prospect form with the caller's number as its first phone."""
        from tui_crm.screens.new_party import NewPartyScreen

        self.app.push_screen(NewPartyScreen("prospect", phone=phone))

    def show_state(self, state: ListenerState) -> None:
        """Show the listener's state on every CallStatus; a refused login also notifies."""
        previous = self.listener_state
        self.listener_state = state
        for screen in self.app.screen_stack:
            for widget in screen.query(CallStatus):
                widget.show(state)
        if state.status == "failed" and (previous is None or previous.status != "failed"):
            self.app.notify(
                status_line(state), title=_("Caller ID"), severity="error", markup=False
            )
