"""Telephony: dialling (F12), caller ID from the PBX, and the call journal.

Plain Python, no UI. The modules, each imported only where needed (the ``callerid`` command
line must start fast, so nothing here imports the network modules eagerly):

- :mod:`.errors`: :class:`~.errors.TelephonyError` and its kinds (unreachable, refused, timeout).
- :mod:`.dialers`: one dial backend per ``[telephony] backend`` (:func:`~.dialers.make_dialer`).
- :mod:`.events`: protocol-neutral call events, listener states and the call tracker.
- :mod:`.listener`: the reconnecting listener base (backoff, state reports, stop).
- :mod:`.fritz_monitor`: the FRITZ!Box call monitor (TCP 1012) listener.
- :mod:`.ami`: the Asterisk Manager Interface: client, Originate, and the event listener.
- :mod:`.callerid`: number → customer(s): :func:`~.callerid.caller_card` and the CLI lookup.
- :mod:`.journal`: calls in the contact log: placing, finishing, missed calls.
"""
