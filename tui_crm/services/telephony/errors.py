"""Telephony failures a clerk can act on: PBX unreachable, credentials refused, timeout."""

from __future__ import annotations

from tui_crm.errors import CrmError


class TelephonyError(CrmError):
    """A dial request or a PBX connection failed; the message says what to check."""


class PbxUnreachable(TelephonyError):
    """The PBX, FRITZ!Box, phone or dial command cannot be reached or started."""


class PbxRefused(TelephonyError):
    """The PBX refused the user name or password."""


class PbxTimeout(TelephonyError):
    """The PBX did not answer in time."""


class DialFailed(TelephonyError):
    """The PBX answered but did not place the call (busy, not answered, not allowed…)."""


class NotConfigured(TelephonyError):
    """The telephony settings lack something the request needs."""

    exit_code = 2
