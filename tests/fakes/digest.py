"""Server side of HTTP digest authentication (RFC 7616, MD5, qop=auth), for the fakes."""

from __future__ import annotations

import hashlib
import re
import secrets


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


class DigestCheck:
    """Issues challenges and checks ``Authorization: Digest …`` headers."""

    def __init__(self, realm: str, user: str, password: str) -> None:
        self.realm = realm
        self.user = user
        self.password = password
        self.nonce = secrets.token_hex(16)

    def challenge(self) -> str:
        """The ``WWW-Authenticate`` value."""
        return f'Digest realm="{self.realm}", nonce="{self.nonce}", algorithm=MD5, qop="auth"'

    def accepts(self, header: str | None, method: str) -> bool:
        """Whether ``header`` proves the user knows the password."""
        if not header or not header.lower().startswith("digest "):
            return False
        values = dict(re.findall(r'(\w+)="?([^",]*)"?', header[7:]))
        if values.get("username") != self.user or values.get("nonce") != self.nonce:
            return False
        first = _md5(f"{self.user}:{self.realm}:{self.password}")
        second = _md5(f"{method}:{values.get('uri', '')}")
        expected = _md5(
            f"{first}:{self.nonce}:{values.get('nc', '')}:{values.get('cnonce', '')}:"
            f"{values.get('qop', '')}:{second}"
        )
        return values.get("response") == expected
