"""Loopback fakes that speak the real telephony protocols, for tests (127.0.0.1 only).

- :mod:`.call_monitor`: a FRITZ!Box call monitor (TCP, ``;``-separated lines).
- :mod:`.ami`: an Asterisk Manager Interface server (banner, ``Key: Value`` blocks).
- :mod:`.http_phone`: a desk phone's action URL (``http.server``, basic or digest auth).
- :mod:`.tr064`: a FRITZ!Box TR-064 endpoint (description XML, SOAP, digest auth).
- :mod:`.argv_recorder`: a dial command that records its argv.

Every fake binds port 0, runs in daemon threads, and is a context manager that closes its
sockets and joins its threads on exit.
"""
