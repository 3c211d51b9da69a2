"""Dial backends for F12, one per ``[telephony] backend``, each failing with a clear error.

Every :meth:`Dialer.dial` blocks on the network or a child process (bounded by the
configured timeouts): the UI calls it in a thread worker. None of them imports its network
library before it dials, so the app and the command line start without them.

- ``none``: nothing is dialled; the outcome says what to show big and copyable.
- ``command``: an argv template (``["linphonecsh", "dial", "{e164}"]``) run without a shell,
  each placeholder replaced inside its own argument, so no number can inject a command.
- ``fritzbox``: click-to-dial over TR-064 (``X_VoIP:1`` ``X_AVM-DE_DialNumber``, the
  FRITZ!Box "dialling aid" must be on); the box rings the phone chosen there.
- ``asterisk``: AMI ``Originate``: rings the clerk's phone, then dials the number.
- ``http``: a desk phone's action URL, e.g. Snom ``http://phone/command.htm?number={dial}``,
  Yealink ``http://phone/servlet?key=number={dial}``, Grandstream
  ``http://phone/cgi-bin/api-make_call?phonenumber={dial}&account=0&password={password}``.
"""

from __future__ import annotations

import socket
import subprocess
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote, urlsplit

from tui_crm.i18n import _
from tui_crm.services import phones
from tui_crm.services.telephony.errors import (
    DialFailed,
    NotConfigured,
    PbxRefused,
    PbxTimeout,
    PbxUnreachable,
)

if TYPE_CHECKING:
    from tui_crm.config import Settings, TelephonySettings


@dataclass(frozen=True, slots=True)
class DialTarget:
    """A number to call, in every form a backend may need."""

    e164: str
    """``+497755883334``."""
    national: str
    """As dialled from the default region: ``07755883334`` (``0044…`` abroad)."""
    dial: str
    """:attr:`national` with the PBX's outside-line prefix: ``007755883334``."""
    display: str
    """For the screen: ``07755 883334``."""
    party_id: int | None = None
    """The customer or prospect called, if known (the call is logged on it)."""
    contact_person_id: int | None = None
    """The contact person called, if it is their number."""
    name: str = ""
    """Whom the number belongs to, for the screen."""
    label: str = ""
    """What the number is (``phone``, ``mobile`` …), for a choice list."""


def target_for(
    e164: str,
    settings: Settings | phones.NumberPlan | str | None = None,
    *,
    party_id: int | None = None,
    contact_person_id: int | None = None,
    name: str = "",
    label: str = "",
    as_entered: str = "",
) -> DialTarget:
    """The :class:`DialTarget` of a stored or normalised number (``as_entered``: as typed,
    for an extension on the screen).

    Raises:
        ValidationError: ``e164`` is not a well-formed E.164 number (say, a damaged import).
    """
    plan = phones.plan_of(settings)
    national, dial = phones.dial_strings(e164, plan)
    return DialTarget(
        e164=e164,
        national=national,
        dial=dial,
        display=phones.shown(e164, as_entered, plan),
        party_id=party_id,
        contact_person_id=contact_person_id,
        name=name,
        label=label,
    )


@dataclass(frozen=True, slots=True)
class DialOutcome:
    """What a dial request did, for the status line (or the big number of ``none``)."""

    backend: str
    """The backend that handled it."""
    placed: bool
    """True when a backend started the call; False for ``none`` (the clerk dials)."""
    message: str
    """One line for the user."""
    show: str = ""
    """``none``: the number to show big (national format)."""
    copy: str = ""
    """``none``: the number to put on the clipboard (as dialled here)."""
    call_id: str = ""
    """The backend's id of the call where it gives one (Asterisk ``Uniqueid``)."""
    reports_hangup: bool = False
    """Whether the configured call monitor will report the end of this call."""


class Dialer(Protocol):
    """A dial backend."""

    name: str
    """The backend name (``[telephony] backend``)."""

    def dial(self, target: DialTarget, *, extension: str = "") -> DialOutcome:
        """Start a call to ``target`` from the clerk's phone ``extension``.

        Raises:
            TelephonyError: A :class:`PbxUnreachable`, :class:`PbxRefused`,
                :class:`PbxTimeout` or :class:`DialFailed` with a message for the clerk.
        """


def fill(template: str, values: dict[str, str]) -> str:
    """``template`` with each ``{name}`` of ``values`` replaced (no other formatting)."""
    for name, value in values.items():
        template = template.replace("{" + name + "}", value)
    return template


def _number_values(target: DialTarget) -> dict[str, str]:
    return {"e164": target.e164, "national": target.national, "dial": target.dial}


class NoDialer:
    """``backend = "none"``: nothing is dialled; the number is shown big and copyable."""

    name = "none"

    def dial(self, target: DialTarget, *, extension: str = "") -> DialOutcome:
        """Say what to show: the national format big, the digits to copy."""
        return DialOutcome(
            backend=self.name,
            placed=False,
            message=_("Dial {number} on your phone.").format(number=target.display),
            show=target.display,
            copy=target.national,
        )


class CommandDialer:
    """``backend = "command"``: runs the argv template, never through a shell.

    Args:
        argv: The program and its arguments with ``{e164}``, ``{national}``, ``{dial}``.
        timeout: Seconds the command may run.
    """

    name = "command"

    def __init__(self, argv: tuple[str, ...], timeout: float) -> None:
        if not argv:
            raise NotConfigured(
                _('The dial command is empty: set [telephony] command = ["program", "{e164}"].'),
                title=_("Call"),
            )
        self.argv = argv
        self.timeout = timeout

    def command(self, target: DialTarget) -> list[str]:
        """The argv for ``target``: each placeholder replaced inside its own argument."""
        values = _number_values(target)
        return [fill(part, values) for part in self.argv]

    def dial(self, target: DialTarget, *, extension: str = "") -> DialOutcome:
        """Run the command and wait for it to exit.

        Raises:
            PbxUnreachable: The program does not exist or may not be run.
            PbxTimeout: It ran longer than the timeout (it is killed).
            DialFailed: It exited with a status other than 0.
        """
        argv = self.command(target)
        title = _("Call")
        program = argv[0]
        try:
            result = subprocess.run(
                argv,
                shell=False,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=self.timeout,
                check=False,
            )
        except FileNotFoundError:
            raise PbxUnreachable(
                _("The dial command {program} was not found.").format(program=program),
                title=title,
            ) from None
        except PermissionError:
            raise PbxUnreachable(
                _("The dial command {program} may not be run (permissions).").format(
                    program=program
                ),
                title=title,
            ) from None
        except subprocess.TimeoutExpired:
            raise PbxTimeout(
                _("The dial command {program} did not finish within {seconds} s.").format(
                    program=program, seconds=round(self.timeout)
                ),
                title=title,
            ) from None
        except OSError as error:
            raise PbxUnreachable(
                _("The dial command {program} cannot be run: {error}").format(
                    program=program, error=error.strerror or error
                ),
                title=title,
            ) from None
        if result.returncode != 0:
            said = result.stderr.decode(errors="replace").strip().splitlines()
            raise DialFailed(
                _("The dial command {program} failed (exit status {status}): {said}").format(
                    program=program, status=result.returncode, said=said[-1] if said else ""
                ),
                title=title,
            )
        return DialOutcome(
            backend=self.name,
            placed=True,
            message=_("Calling {number} …").format(number=target.display),
        )


class FritzBoxDialer:
    """``backend = "fritzbox"``: TR-064 click-to-dial through fritzconnection.

    The FRITZ!Box rings the phone chosen under "Telephony → Calls → Dialling aid" and dials
    when it is picked up. The connection (which reads the box's service descriptions, the
    slow part) is kept for the next call and dropped after an error.

    Args:
        telephony: The ``[telephony]`` settings.
    """

    name = "fritzbox"

    def __init__(self, telephony: TelephonySettings) -> None:
        self.box = telephony.fritzbox
        self.timeout = (telephony.connect_timeout, telephony.dial_timeout)
        self.reports_hangup = telephony.monitor == "fritzbox"
        self._connection: Any = None
        self._lock = threading.Lock()

    @property
    def address(self) -> str:
        """``host:port`` of the box."""
        return f"{self.box.host}:{self.box.port}"

    def close(self) -> None:
        """Close the kept connection (its HTTP session); the next dial opens a new one."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.session.close()

    def _connect(self) -> Any:
        from fritzconnection import FritzConnection

        if self._connection is None:
            self._connection = FritzConnection(
                address=self.box.host,
                port=self.box.port,
                user=self.box.user or None,
                password=self.box.password or None,
                timeout=self.timeout,
                use_tls=self.box.tls,
                use_cache=False,
            )
        return self._connection

    def dial(self, target: DialTarget, *, extension: str = "") -> DialOutcome:
        """Ask the box to dial ``target.national``.

        Raises:
            PbxUnreachable: No connection, or TR-064 ("access for applications") is off.
            PbxRefused: The user or password is wrong.
            PbxTimeout: The box did not answer in time.
            DialFailed: The box refused (dialling aid off, or another error it reports).
        """
        import requests
        from fritzconnection.core.exceptions import (
            FritzActionError,
            FritzActionFailedError,
            FritzAuthorizationError,
            FritzConnectionException,
            FritzSecurityError,
            FritzServiceError,
        )

        title = _("FRITZ!Box")
        with self._lock:
            try:
                connection = self._connect()
                connection.call_action(
                    "X_VoIP1",
                    "X_AVM-DE_DialNumber",
                    arguments={"NewX_AVM-DE_PhoneNumber": target.national},
                )
            except FritzSecurityError:
                raise PbxRefused(
                    _("The FRITZ!Box user {user} may not dial: allow it telephony.").format(
                        user=self.box.user
                    ),
                    title=title,
                ) from None
            except FritzActionFailedError:
                raise DialFailed(
                    _(
                        "The FRITZ!Box did not dial {number}: switch its dialling aid on "
                        "(Telephony, Calls, Dialling aid)."
                    ).format(number=target.display),
                    title=title,
                ) from None
            except FritzAuthorizationError:
                self.close()
                raise PbxRefused(
                    _("The FRITZ!Box at {address} refused the user or password.").format(
                        address=self.address
                    ),
                    title=title,
                ) from None
            except requests.exceptions.Timeout:
                self.close()
                raise self._timeout(title) from None
            except requests.exceptions.RequestException as error:
                self.close()
                raise self._unreachable(title, error) from None
            except (FritzServiceError, FritzActionError):
                self.close()
                raise DialFailed(
                    _(
                        "The FRITZ!Box at {address} offers no click-to-dial: allow access for "
                        "applications (TR-064) and switch the dialling aid on."
                    ).format(address=self.address),
                    title=title,
                ) from None
            except (AttributeError, KeyError, ValueError, SyntaxError) as error:
                # fritzconnection parsing an answer no FRITZ!Box gives (XML errors are
                # SyntaxErrors).
                self.close()
                raise DialFailed(
                    _(
                        "The FRITZ!Box at {address} gave an answer tui-crm does not understand: "
                        "{error}"
                    ).format(address=self.address, error=error),
                    title=title,
                ) from None
            except FritzConnectionException as error:
                self.close()
                text = str(error)
                if "timed out" in text.lower() or "timeout" in text.lower():
                    raise self._timeout(title) from None
                if "connection" in text.lower() or "access for applications" in text:
                    raise self._unreachable(title, error) from None
                raise DialFailed(
                    _("The FRITZ!Box did not dial: {error}").format(error=" ".join(text.split())),
                    title=title,
                ) from None
        return DialOutcome(
            backend=self.name,
            placed=True,
            message=_("The FRITZ!Box rings your phone; pick it up to call {number}.").format(
                number=target.display
            ),
            reports_hangup=self.reports_hangup,
        )

    def _timeout(self, title: str) -> PbxTimeout:
        return PbxTimeout(
            _("The FRITZ!Box at {address} did not answer within {seconds} s.").format(
                address=self.address, seconds=round(sum(self.timeout))
            ),
            title=title,
        )

    def _unreachable(self, title: str, error: BaseException) -> PbxUnreachable:
        text = str(error)
        hint = ""
        if "access for applications" in text:
            hint = _("allow access for applications (TR-064) in the FRITZ!Box")
        elif "refused" in text.lower():
            hint = _("connection refused")
        return PbxUnreachable(
            _("Cannot reach the FRITZ!Box at {address}{hint}.").format(
                address=self.address, hint=f" ({hint})" if hint else ""
            ),
            title=title,
        )


class AsteriskDialer:
    """``backend = "asterisk"``: AMI ``Originate`` of the clerk's phone to the number.

    Args:
        telephony: The ``[telephony]`` settings.
    """

    name = "asterisk"

    def __init__(self, telephony: TelephonySettings) -> None:
        self.telephony = telephony
        self.asterisk = telephony.asterisk

    def dial(self, target: DialTarget, *, extension: str = "") -> DialOutcome:
        """Ring the clerk's phone (channel template with ``extension``), then dial.

        Raises:
            NotConfigured: The channel needs an extension and none is known.
            PbxUnreachable, PbxRefused, PbxTimeout, DialFailed: See
                :func:`~.ami.originate`.
        """
        from tui_crm.services.telephony import ami

        extension = extension or self.telephony.extension
        if "{extension}" in self.asterisk.channel and not extension:
            raise NotConfigured(
                _(
                    "Your phone extension is not known: set it for your user or as "
                    "[telephony] extension."
                ),
                title=_("Asterisk"),
            )
        values = {**_number_values(target), "extension": extension}
        channel = fill(self.asterisk.channel, values)
        caller_id = fill(self.asterisk.caller_id, values) if self.asterisk.caller_id else ""
        if not caller_id:
            caller_id = f"{target.name or target.display} <{target.dial}>"
        result = ami.originate(
            self.asterisk.host,
            self.asterisk.port,
            self.asterisk.user,
            self.asterisk.secret,
            channel=channel,
            exten=target.dial,
            context=self.asterisk.context,
            caller_id=" ".join(caller_id.split()),
            variables={"CRM_NUMBER": target.e164},
            connect_timeout=self.telephony.connect_timeout,
            dial_timeout=self.telephony.dial_timeout,
            ring_timeout=self.asterisk.ring_timeout,
        )
        return DialOutcome(
            backend=self.name,
            placed=True,
            message=_("Calling {number} from your phone …").format(number=target.display),
            call_id=result.get("uniqueid", ""),
            reports_hangup=self.telephony.monitor == "asterisk",
        )


class HttpDialer:
    """``backend = "http"``: a GET of the phone's action URL, with basic or digest auth.

    Args:
        telephony: The ``[telephony]`` settings.
    """

    name = "http"

    def __init__(self, telephony: TelephonySettings) -> None:
        self.http = telephony.http
        self.extension = telephony.extension
        self.timeout = telephony.dial_timeout

    def url(self, target: DialTarget, extension: str = "") -> str:
        """The URL for ``target``, each value percent-encoded."""
        values = {
            **_number_values(target),
            "extension": extension or self.extension,
            "user": self.http.user,
            "password": self.http.password,
        }
        return fill(self.http.url, {name: quote(value, safe="") for name, value in values.items()})

    def dial(self, target: DialTarget, *, extension: str = "") -> DialOutcome:
        """Request the action URL.

        Raises:
            PbxUnreachable: No connection.
            PbxRefused: HTTP 401 or 403 (user or password wrong).
            PbxTimeout: No answer within the dial timeout.
            DialFailed: Any other HTTP error status.
        """
        import urllib.error
        import urllib.request

        url = self.url(target, extension)
        parts = urlsplit(url)
        address = parts.netloc.rsplit("@", 1)[-1]
        title = _("Phone")
        handlers: list[urllib.request.BaseHandler] = []
        if self.http.user:
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            site = f"{parts.scheme}://{parts.netloc}/"
            passwords.add_password(None, site, self.http.user, self.http.password)
            handlers += [
                urllib.request.HTTPBasicAuthHandler(passwords),
                urllib.request.HTTPDigestAuthHandler(passwords),
            ]
        opener = urllib.request.build_opener(*handlers)
        request = urllib.request.Request(url, method="GET", headers={"User-Agent": "tui-crm"})
        try:
            with opener.open(request, timeout=self.timeout) as response:
                response.read(65536)
        except urllib.error.HTTPError as error:
            if error.code in (401, 403):
                raise PbxRefused(
                    _(
                        "The phone at {address} refused the user or password (HTTP {status})."
                    ).format(address=address, status=error.code),
                    title=title,
                ) from None
            raise DialFailed(
                _("The phone at {address} answered HTTP {status} {reason}.").format(
                    address=address, status=error.code, reason=error.reason
                ),
                title=title,
            ) from None
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError | socket.timeout):
                raise self._timeout(address, title) from None
            reason = error.reason
            text = reason.strerror if isinstance(reason, OSError) and reason.strerror else reason
            raise PbxUnreachable(
                _("Cannot reach the phone at {address}: {error}").format(
                    address=address, error=text
                ),
                title=title,
            ) from None
        except TimeoutError:
            raise self._timeout(address, title) from None
        except OSError as error:
            raise PbxUnreachable(
                _("Cannot reach the phone at {address}: {error}").format(
                    address=address, error=error.strerror or error
                ),
                title=title,
            ) from None
        return DialOutcome(
            backend=self.name,
            placed=True,
            message=_("Your phone calls {number} …").format(number=target.display),
        )

    def _timeout(self, address: str, title: str) -> PbxTimeout:
        return PbxTimeout(
            _("The phone at {address} did not answer within {seconds} s.").format(
                address=address, seconds=round(self.timeout)
            ),
            title=title,
        )


def make_dialer(settings: Settings) -> Dialer:
    """The dialer ``[telephony] backend`` names (keep it: the FRITZ!Box one caches)."""
    telephony = settings.telephony
    if telephony.backend == "command":
        return CommandDialer(telephony.command, telephony.dial_timeout)
    if telephony.backend == "fritzbox":
        return FritzBoxDialer(telephony)
    if telephony.backend == "asterisk":
        return AsteriskDialer(telephony)
    if telephony.backend == "http":
        return HttpDialer(telephony)
    return NoDialer()
