"""CrmApp: app-wide bindings, keymap, themes and the screen stack."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from contextlib import suppress
from datetime import date, datetime
from typing import TYPE_CHECKING

from textual import events, work
from textual._styles_cache import StylesCache
from textual.app import App, SystemCommand
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Input

from tui_crm import formatting, keys, terminal, themes
from tui_crm.config import Settings
from tui_crm.db.connection import db, describe
from tui_crm.i18n import _
from tui_crm.paths import STYLES
from tui_crm.screens.base import CrmScreen
from tui_crm.screens.calls import CallController, IncomingCallModal
from tui_crm.screens.confirm import ConfirmModal
from tui_crm.screens.help import HelpModal
from tui_crm.screens.start import StartScreen
from tui_crm.services import dates, followups, roles
from tui_crm.services.contacts import ContactRow
from tui_crm.services.followups import FollowUpRow

if TYPE_CHECKING:
    from tui_crm.screens.follow_up_modal import FollowUpModal

WATCH_INTERVAL = 1.0
"""Seconds between two looks at the database for commits of other clerks (and due times)."""

DUE_NOTICE_SECONDS = 30
"""How long the notice of a follow-up that has just become due stays."""

GC_YOUNG_THRESHOLD = 10_000
"""Allocations between two collections of the youngest generation (Python's default: 700)."""

CONTEXT_ACTIONS = ("follow_up", "log_contact", "call")
"""Actions that need a customer in context (greyed out without one)."""


class CrmApp(App[None]):
    """The tui-crm application.

    Args:
        settings: The effective settings (config file and command line).
        clerk_id: Database id of the clerk working in this session.
        today: A fixed current day (tests and snapshots); None follows the clock.
    """

    CSS_PATH = STYLES / "app.tcss"
    TITLE = "tui-crm"
    BINDINGS = list(keys.APP_BINDINGS)
    COMMAND_PALETTE_BINDING = "ctrl+p"
    ENABLE_COMMAND_PALETTE = True

    def __init__(self, settings: Settings, clerk_id: int, *, today: date | None = None) -> None:
        terminal.use_safe_glyphs()
        super().__init__()
        self.settings = settings
        """The effective settings."""
        self.clerk_id = clerk_id
        """Database id of the clerk working in this session."""
        self.fixed_today = today
        """The current day when fixed (tests, snapshots); None: the clock's."""
        self.now: Callable[[], datetime] = datetime.now
        """The clock (tests replace it to make a follow-up become due)."""
        self.marker: int | None = None
        """The database's change marker at the last look (None: not looked yet)."""
        self.due_since: datetime | None = None
        """Follow-ups due after this moment and up to now have not been announced yet."""
        self._watching = False
        self.follow_up_dialog: FollowUpModal | None = None
        """The F11 dialog, kept between uses (None until the first F11)."""
        self.calls = CallController(self, settings)
        """F12 and caller ID: the dialer, the listener, the last call placed."""
        self.role = roles.role_of(clerk_id)
        """The clerk's role when the session started (the services check it at each save)."""
        self.read_only = not roles.allows(self.role, roles.Permission.EDIT)
        """Whether write actions are hidden (the ``inquiry`` role)."""
        self.accounting = roles.allows(self.role, roles.Permission.ACCOUNTING)
        """Whether payments, the dunning run and the credit block are offered."""
        role = roles.role_label(self.role)
        self.sub_title = f"{settings.clerk} ({role}) · {describe(settings.database_url)}"
        for theme in themes.ALL:
            self.register_theme(theme)
        self.theme = settings.theme

    def on_mount(self) -> None:
        """Apply the keymap and show the start screen."""
        unknown = sorted(set(self.settings.keymap) - set(keys.BY_ID))
        if unknown:
            self.notify(
                _("Unknown key binding ids in the config: {ids}").format(ids=", ".join(unknown)),
                title=_("Config"),
                severity="warning",
                markup=False,
            )
        self.set_keymap({k: v for k, v in self.settings.keymap.items() if k in keys.BY_ID})
        self.due_since = self.now()
        self.push_screen(StartScreen())
        self.call_after_refresh(self._after_first_frame)

    def _after_first_frame(self) -> None:
        """Start watching the database, then settle the garbage collector.

        The first look sets the marker that later commits are compared with; it is started
        before the start screen's panes read anything, so no commit falls between the two.
        Neither runs before the first frame, which they would hold up.
        """
        self.look_for_changes()
        self.set_interval(WATCH_INTERVAL, self.look_for_changes)
        self.calls.start_listener()
        # The inquiry is the next screen a clerk needs: load its code while they read.
        import tui_crm.screens.inquiry  # noqa: F401

        self._freeze_startup_objects()

    def on_unmount(self) -> None:
        """Stop the caller-ID listener."""
        self.calls.stop()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """Without animations (as over SSH) a text field's cursor stands still.

        A blinking cursor repaints its field twice a second, about 2 kB/s through SSH for a
        session nobody types in.
        """
        if self.animation_level == "none" and isinstance(event.widget, Input):
            event.widget.cursor_blink = False

    def pop_screen(self) -> AwaitComplete:
        """Close the top screen; collect its garbage once the screen below is painted.

        A closed screen leaves thousands of objects in reference cycles. Left to the
        collector's own schedule, their full collection (50-100 ms) fell on a later keystroke
        (F3, F11) at random; right after the repaint the clerk is still reading.
        """
        done = super().pop_screen()
        self.call_after_refresh(self._collect_garbage)
        return done

    def _collect_garbage(self) -> None:
        # Textual's Header watches the app's title and sub-title; the watcher of a closed
        # screen's header is dropped only when they change, which they never do. Forcing the
        # watchers to run drops those of detached headers, so the screen can be freed.
        self.mutate_reactive(App.title)
        self.mutate_reactive(App.sub_title)
        # The same for the keys a footer drops each time the bindings change: their
        # data binding to the footer's ``compact`` stays until it changes.
        for screen in self.screen_stack:
            for footer in screen.query(Footer):
                footer.mutate_reactive(Footer.compact)
        # Textual 8.2 caches a method by its widget's styles cache (up to 1,024 of them),
        # which keeps the rendered lines of closed screens alive.
        clear = getattr(StylesCache.get_inner_outer, "cache_clear", None)
        if callable(clear):
            clear()
        gc.collect()

    @property
    def today(self) -> date:
        """The current day (fixed in tests and snapshots)."""
        return self.fixed_today or self.now().date()

    # Changes of other clerks and follow-ups that become due ---------------------------------

    def look_for_changes(self) -> None:
        """Start a look at the database unless the last one is still under way."""
        if not self._watching:
            self._watching = True
            self.watch_database(self.due_since or self.now())

    @work(thread=True, group="watch", exit_on_error=False)
    def watch_database(self, since: datetime) -> None:
        """Read the change marker and the follow-ups that became due since ``since``.

        The marker costs microseconds on SQLite (a read-only watcher connection); the due
        follow-ups are one range of the ``(done_at, owner_id, due_date, due_time)`` index.
        """
        until = self.now().replace(microsecond=0)
        marker: int | None = None
        due: list[FollowUpRow] = []
        try:
            with db.connection_context():
                marker = followups.change_marker()
                same_day = since.date() == until.date()
                after = since.time().replace(microsecond=0) if same_day else None
                if after is None or after < until.time():
                    due = followups.timed_due(
                        self.clerk_id,
                        until.date(),
                        after,
                        until.time(),
                        region=self.settings.region,
                    )
        except Exception as error:  # the next look tries again; nothing to tell the clerk
            self.log.warning(f"database watch: {error!r}")
        with suppress(RuntimeError):  # the app has closed meanwhile
            self.call_from_thread(self.looked, marker, due, until)

    def looked(self, marker: int | None, due: list[FollowUpRow], until: datetime) -> None:
        """Reload the screen shown when the database changed; announce follow-ups now due."""
        self._watching = False
        if marker is None:
            return
        self.due_since = until
        previous, self.marker = self.marker, marker
        if previous is not None and marker != previous:
            self.data_changed()
        for row in due:
            self.notify(
                f"{row.due_time.strftime('%H:%M') if row.due_time else ''} "
                f"{row.number} {row.name}: {row.subject}",
                title=_("Follow-up due"),
                timeout=DUE_NOTICE_SECONDS,
                markup=False,
            )

    def data_changed(self) -> None:
        """Show fresh data on the topmost screen (it may lie under a dialog)."""
        for screen in reversed(self.screen_stack):
            if isinstance(screen, CrmScreen):
                screen.data_changed()
                return

    # Follow-ups, contacts and call suggestions -----------------------------------------------

    def context_party(self) -> tuple[int, str] | None:
        """The customer in context on the screen shown (None under a dialog)."""
        screen = self.screen
        if isinstance(screen, CrmScreen | IncomingCallModal):
            return screen.context_party()
        return None

    def context_phone(self) -> str:
        """A number of no customer in context (an unknown caller on the missed-call list)."""
        screen = self.screen
        return screen.context_phone() if isinstance(screen, CrmScreen) else ""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Grey out F11, F12 and log contact without a customer; none under a dialog; none
        for a read-only role."""
        if self.read_only and action in (*CONTEXT_ACTIONS, "log_call", "mail_merge"):
            return False
        if action in CONTEXT_ACTIONS:
            if isinstance(self.screen, ModalScreen) and not (
                action == "follow_up" and isinstance(self.screen, IncomingCallModal)
            ):
                return False
            if self.context_party() is not None:
                return True
            if action == "call" and self.context_phone():
                return True
            return None
        if action == "log_call":
            return not isinstance(self.screen, ModalScreen)
        if action in (
            "follow_up_list",
            "call_suggestions",
            "missed_calls",
            "mail_merge",
            "reports",
            "documents",
            "open_items",
        ):
            return not isinstance(self.screen, ModalScreen)
        return True

    def action_call(self) -> None:
        """F12: call the customer in context."""
        party = self.context_party()
        if party is not None:
            self.calls.call(*party)
        elif phone := self.context_phone():
            self.calls.call_number(phone)

    def action_log_call(self) -> None:
        """Alt+L: log topic, agreements and duration of the last call placed."""
        self.calls.log_last_call()

    def action_follow_up(self) -> None:
        """F11: a new follow-up for the customer in context."""
        party = self.context_party()
        if party is None:
            return
        dialog = self.follow_up_dialog
        if dialog is None:
            # Installed, the dialog stays mounted when it closes: the next F11 shows it
            # without composing and styling it again.
            from tui_crm.screens.follow_up_modal import FollowUpModal

            dialog = self.follow_up_dialog = FollowUpModal(*party)
            self.install_screen(dialog, name="follow-up")
        else:
            dialog.reuse(*party)
        self.push_screen(dialog, self.follow_up_saved)

    def follow_up_saved(self, row: FollowUpRow | None) -> None:
        """Say when the new follow-up is due, and show it on the screen below."""
        if row is None:
            return
        self.notify(
            _("Follow-up for {customer}: {subject}, {date}").format(
                customer=row.number,
                subject=row.subject,
                date=dates.describe(row.due_date, self.today),
            ),
            title=_("Follow-up saved"),
            markup=False,
        )
        self.data_changed()

    def action_log_contact(self) -> None:
        """Log a contact with the customer in context."""
        party = self.context_party()
        if party is not None:
            from tui_crm.screens.contact_modal import ContactModal

            self.push_screen(ContactModal(*party), self.contact_logged)

    def contact_logged(self, row: ContactRow | None) -> None:
        """Confirm the contact and show it on the screen below."""
        if row is None:
            return
        message = _("Contact logged: {when}").format(when=formatting.moment(row.at))
        if row.follow_up_id is not None:
            message += " · " + _("follow-up created")
        self.notify(message, title=_("Contact"), markup=False)
        self.data_changed()

    def action_follow_up_list(self) -> None:
        """F3: the follow-up list (Wiedervorlage)."""
        # Screens other than the start screen are imported when first used: start-up stays fast.
        from tui_crm.screens.follow_up_list import FollowUpListScreen

        if not isinstance(self.screen, FollowUpListScreen):
            self.push_screen(FollowUpListScreen())

    def action_missed_calls(self) -> None:
        """Alt+V: the missed calls."""
        from tui_crm.screens.missed_calls import MissedCallsScreen

        if not isinstance(self.screen, MissedCallsScreen):
            self.push_screen(MissedCallsScreen())

    def action_call_suggestions(self) -> None:
        """The call suggestions (Anrufvorschläge)."""
        from tui_crm.screens.suggestions import SuggestionsScreen

        if not isinstance(self.screen, SuggestionsScreen):
            self.push_screen(SuggestionsScreen())

    def action_mail_merge(self) -> None:
        """The mail merge (Serienbrief)."""
        from tui_crm.screens.merge import MergeScreen

        if not isinstance(self.screen, MergeScreen):
            self.push_screen(MergeScreen())

    def action_reports(self) -> None:
        """Alt+R: the sales reports."""
        from tui_crm.screens.reports import ReportsScreen

        if not isinstance(self.screen, ReportsScreen):
            self.push_screen(ReportsScreen())

    def _customer_of_inquiry(self) -> tuple[int, str] | None:
        """The customer of the inquiry shown, which scopes the documents and open items."""
        from tui_crm.screens.inquiry import InquiryScreen

        screen = self.screen
        return screen.context_party() if isinstance(screen, InquiryScreen) else None

    def action_documents(self) -> None:
        """Alt+G: the documents of every customer (of the inquiry's customer there)."""
        from tui_crm.screens.documents import DocumentsScreen

        if not isinstance(self.screen, DocumentsScreen):
            self.push_screen(DocumentsScreen(self._customer_of_inquiry()))

    def action_open_items(self) -> None:
        """Alt+U: the open items of every customer (of the inquiry's customer there)."""
        from tui_crm.screens.open_items import OpenItemsScreen

        if not isinstance(self.screen, OpenItemsScreen):
            self.push_screen(OpenItemsScreen(self._customer_of_inquiry()))

    def _freeze_startup_objects(self) -> None:
        """Keep the start-up heap out of the garbage collector's full passes.

        Textual and the libraries leave hundreds of thousands of long-lived objects; scanning
        them made a full collection pause the UI for 50-110 ms at random keystrokes.
        """
        gc.collect()
        gc.freeze()
        # Collect the young generation every 10,000 allocations instead of 700: opening a
        # screen or a dialog allocates tens of thousands of objects, and with the default the
        # full collection it set off every few actions landed inside them (F11 took 55-70 ms
        # instead of 30). Closed screens are collected right after they go (pop_screen).
        gc.set_threshold(GC_YOUNG_THRESHOLD, 10, 10)

    def handle_bindings_clash(self, clashed_bindings: set[Binding], node: object) -> None:
        """Tell the clerk when a remapped key is already taken by another action."""
        names = ", ".join(sorted(binding.id or binding.action for binding in clashed_bindings))
        self.notify(
            _("Key remap clashes with existing keys: {names}").format(names=names),
            title=_("Config"),
            severity="warning",
            markup=False,
        )

    def effective_keys(self, binding: Binding) -> str:
        """The key string in force for ``binding`` (the keymap's, else the default)."""
        return self._keymap.get(binding.id or "", binding.key)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every action by name with its keys, for the command palette."""
        actions = {
            "app.help": self.action_help,
            "app.search": self.action_search,
            "app.refresh": self.action_refresh,
            "app.follow_up_list": self.action_follow_up_list,
            "app.call_suggestions": self.action_call_suggestions,
            "app.missed_calls": self.action_missed_calls,
            "app.mail_merge": self.action_mail_merge,
            "app.reports": self.action_reports,
            "app.documents": self.action_documents,
            "app.open_items": self.action_open_items,
            "app.theme": self.action_cycle_theme,
            "app.log_call": self.action_log_call,
            "app.quit": self.action_quit_app,
        }
        if isinstance(screen, CrmScreen) and screen.context_party() is not None:
            actions["app.follow_up"] = self.action_follow_up
            actions["app.log_contact"] = self.action_log_contact
            actions["app.call"] = self.action_call
        elif isinstance(screen, CrmScreen) and screen.context_phone():
            actions["app.call"] = self.action_call
        for binding_id, callback in actions.items():
            binding = keys.BY_ID[binding_id]
            shown = ", ".join(
                keys.display(key) for key in keys.split_keys(self.effective_keys(binding))
            )
            yield SystemCommand(binding.description, shown, callback)
        from functools import partial

        from tui_crm.screens.new_party import NewPartyScreen

        def new_party(kind: str) -> None:
            self.push_screen(NewPartyScreen(kind))

        # The current screen's own actions (inquiry, edit mode), then new records anywhere.
        palette: tuple[Binding, ...] = getattr(screen, "PALETTE", ())
        commands: list[tuple[Binding, Callable[[], object]]] = [
            (binding, partial(screen.run_action, binding.action)) for binding in palette
        ]
        if keys.NEW_CUSTOMER not in palette:
            commands.append((keys.NEW_CUSTOMER, partial(new_party, "customer")))
            commands.append((keys.NEW_PROSPECT, partial(new_party, "prospect")))
        for binding, run in commands:
            if screen.check_action(binding.action.partition("(")[0], ()) is False:
                continue
            shown = ", ".join(
                keys.display(key) for key in keys.split_keys(self.effective_keys(binding))
            )
            yield SystemCommand(binding.description, shown, run)

    def action_help(self) -> None:
        """Show every key and its alternate."""
        if not isinstance(self.screen, HelpModal):
            self.push_screen(HelpModal())

    def action_search(self) -> None:
        """Go back to the start screen and focus the search field."""
        while len(self.screen_stack) > 2 and not isinstance(self.screen, StartScreen):
            self.pop_screen()
        if isinstance(self.screen, StartScreen):
            self.screen.focus_search()

    def action_refresh(self) -> None:
        """Reload the current screen's data."""
        screen = self.screen
        if isinstance(screen, CrmScreen):
            screen.reload()

    def action_cycle_theme(self) -> None:
        """Switch to the next of the three tui-crm themes."""
        names = [theme.name for theme in themes.ALL]
        index = names.index(self.theme) if self.theme in names else -1
        self.theme = names[(index + 1) % len(names)]
        self.notify(self.theme, title=_("Theme"), markup=False)

    def unsaved_screens(self) -> list[CrmScreen]:
        """Screens on the stack with edits not yet saved."""
        return [s for s in self.screen_stack if isinstance(s, CrmScreen) and s.has_unsaved_changes]

    def action_quit_app(self) -> None:
        """Quit, asking first when there are unsaved edits."""
        if not self.unsaved_screens():
            self.exit()
            return

        def answer(confirmed: bool | None) -> None:
            if confirmed:
                self.exit()

        self.push_screen(ConfirmModal(_("There are unsaved changes. Quit and lose them?")), answer)
