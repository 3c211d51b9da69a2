"""A fake FRITZ!Box TR-064 endpoint: enough for fritzconnection to dial.

Serves ``tr64desc.xml`` (one device with the ``X_VoIP:1`` service), its SCPD with
``X_AVM-DE_DialNumber`` and ``X_AVM-DE_DialHangup``, answers ``igddesc.xml`` with the box's
404 HTML (UPnP off), and runs the SOAP control URL behind digest authentication
(realm ``F!Box SOAP-Auth``), answering 401 HTML to a wrong password as the box does.
"""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

from tests.fakes.digest import DigestCheck

SERVICE = "urn:dslforum-org:service:X_VoIP:1"
CONTROL = "/upnp/control/x_voip"

DESCRIPTION = f"""<?xml version="1.0"?>
<root xmlns="urn:dslforum-org:device-1-0">
<specVersion><major>1</major><minor>0</minor></specVersion>
<device>
<deviceType>urn:dslforum-org:device:InternetGatewayDevice:1</deviceType>
<friendlyName>FRITZ!Box 7590 (fake)</friendlyName>
<manufacturer>AVM</manufacturer>
<modelName>FRITZ!Box 7590</modelName>
<UDN>uuid:75802409-bccb-40e7-8e6c-fake</UDN>
<serviceList>
<service>
<serviceType>{SERVICE}</serviceType>
<serviceId>urn:X_VoIP-com:serviceId:X_VoIP1</serviceId>
<controlURL>{CONTROL}</controlURL>
<eventSubURL>/upnp/control/x_voip</eventSubURL>
<SCPDURL>/x_voipSCPD.xml</SCPDURL>
</service>
</serviceList>
</device>
</root>
"""

SCPD = """<?xml version="1.0"?>
<scpd xmlns="urn:dslforum-org:service-1-0">
<specVersion><major>1</major><minor>0</minor></specVersion>
<actionList>
<action><name>X_AVM-DE_DialNumber</name>
<argumentList><argument><name>NewX_AVM-DE_PhoneNumber</name><direction>in</direction>
<relatedStateVariable>X_AVM-DE_PhoneNumber</relatedStateVariable></argument></argumentList>
</action>
<action><name>X_AVM-DE_DialHangup</name></action>
</actionList>
<serviceStateTable>
<stateVariable sendEvents="no"><name>X_AVM-DE_PhoneNumber</name><dataType>string</dataType>
</stateVariable>
</serviceStateTable>
</scpd>
"""

RESPONSE = """<?xml version="1.0"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" \
s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body>\
<u:{action}Response xmlns:u="{service}"></u:{action}Response></s:Body></s:Envelope>"""

FAULT = """<?xml version="1.0"?>
<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" \
s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body><s:Fault>\
<faultcode>s:Client</faultcode>
<faultstring>UPnPError</faultstring>
<detail>
<UPnPError xmlns="urn:dslforum-org:control-1-0">
<errorCode>{code}</errorCode>
<errorDescription>{text}</errorDescription>
</UPnPError>
</detail>
</s:Fault>
</s:Body>
</s:Envelope>"""

UNAUTHORISED = "<HTML><HEAD><TITLE>401 Unauthorized (ERR_NONE)</TITLE></HEAD><BODY>\
<H1>401 Unauthorized</H1><BR>ERR_NONE<HR><B>Webserver</B></BODY></HTML>"

NOT_FOUND = "<HTML><HEAD><TITLE>404 Not Found</TITLE></HEAD><BODY><H1>404 Not Found</H1>\
</BODY></HTML>"


class FakeTr064:
    """A FRITZ!Box for click-to-dial.

    Args:
        user: The box user.
        password: Its password.
        error: A UPnP error code the dial action answers (``501``: dialling aid off), or
            empty for success.
    """

    def __init__(self, user: str = "crm", password: str = "box-pw", *, error: str = "") -> None:
        self.error = error
        self.dialled: list[str] = []
        """Numbers of the successful ``X_AVM-DE_DialNumber`` calls."""
        self.digest = DigestCheck("F!Box SOAP-Auth", user, password)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, text: str, *args: object) -> None:
                pass

            def reply(self, status: int, body: str, kind: str, extra: dict[str, str]) -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path == "/tr64desc.xml":
                    self.reply(200, DESCRIPTION, 'text/xml; charset="utf-8"', {})
                elif self.path == "/x_voipSCPD.xml":
                    self.reply(200, SCPD, 'text/xml; charset="utf-8"', {})
                else:
                    self.reply(404, NOT_FOUND, "text/html", {})

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.path != CONTROL:
                    self.reply(404, NOT_FOUND, "text/html", {})
                    return
                if not fake.digest.accepts(self.headers.get("Authorization"), "POST"):
                    self.reply(
                        401,
                        UNAUTHORISED,
                        "text/html",
                        {"WWW-Authenticate": fake.digest.challenge()},
                    )
                    return
                action = self.headers.get("soapaction", "").split("#")[-1].strip('"')
                if fake.error:
                    fault = FAULT.format(code=fake.error, text="Action Failed")
                    self.reply(500, fault, 'text/xml; charset="utf-8"', {})
                    return
                number = re.search(
                    rb"<NewX_AVM-DE_PhoneNumber>(.*?)</NewX_AVM-DE_PhoneNumber>", body
                )
                if action == "X_AVM-DE_DialNumber" and number:
                    fake.dialled.append(number.group(1).decode())
                response = RESPONSE.format(action=action, service=SERVICE)
                self.reply(200, response, 'text/xml; charset="utf-8"', {})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        """Stop the server and join its thread."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(2)

    def __enter__(self) -> FakeTr064:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
