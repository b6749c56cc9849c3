"""Sentry envelopes and DSNs, just enough for the tunnel to check and scrub what browsers send.

An envelope (https://develop.sentry.dev/sdk/data-model/envelopes/) is a JSON header line, then
items: an item-header JSON line (``type``, optional ``length`` in bytes) followed by the payload,
which is ``length`` bytes or, without ``length``, runs to the next newline.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


class EnvelopeError(ValueError):
    """The body is not a Sentry envelope we can read (shown to the sender as a 400)."""


@dataclass(frozen=True, slots=True)
class Dsn:
    """The parts of ``{scheme}://{public_key}@{host}[:{port}]/{path_prefix}{project_id}``."""

    scheme: str
    host: str  # lower case, no user info
    port: int
    public_key: str
    project_id: str
    path_prefix: str = ""  # e.g. "/sentry" for https://k@example.com/sentry/42

    @property
    def netloc(self) -> str:
        default = _DEFAULT_PORTS.get(self.scheme)
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"

    @property
    def envelope_url(self) -> str:
        return f"{self.scheme}://{self.netloc}{self.path_prefix}/api/{self.project_id}/envelope/"

    def same_project(self, other: Dsn) -> bool:
        """Same Sentry host (and port and path prefix) and same project id."""
        return (
            self.host == other.host
            and self.port == other.port
            and self.path_prefix == other.path_prefix
            and self.project_id == other.project_id
        )


def parse_dsn(dsn: str) -> Dsn:
    """Parse a DSN; raise :class:`EnvelopeError` for anything malformed."""
    try:
        parts = urlsplit(dsn.strip())
        port = parts.port
    except ValueError as exc:
        raise EnvelopeError(f"malformed DSN: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname or not parts.username:
        raise EnvelopeError("malformed DSN: need http(s)://<public key>@<host>/<project id>")
    path = parts.path.rstrip("/")
    prefix, _, project_id = path.rpartition("/")
    if not project_id.isdigit():
        raise EnvelopeError("malformed DSN: the project id must be a number")
    return Dsn(
        scheme=scheme,
        host=parts.hostname.lower(),
        port=port if port is not None else _DEFAULT_PORTS[scheme],
        public_key=parts.username,
        project_id=project_id,
        path_prefix=prefix,
    )


@dataclass(slots=True)
class EnvelopeItem:
    header: dict[str, Any]
    payload: bytes

    @property
    def type(self) -> str:
        value = self.header.get("type")
        return value if isinstance(value, str) else ""

    def json(self) -> Any:
        return json.loads(self.payload)


@dataclass(slots=True)
class Envelope:
    header: dict[str, Any]
    items: list[EnvelopeItem] = field(default_factory=list)


def _json_line(raw: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise EnvelopeError(f"{what} is not JSON") from exc
    if not isinstance(value, dict):
        raise EnvelopeError(f"{what} is not a JSON object")
    return value


def parse_envelope(body: bytes) -> Envelope:
    """Split ``body`` into header and items; :class:`EnvelopeError` when it is not an envelope."""
    if not body.strip():
        raise EnvelopeError("empty envelope")
    end = body.find(b"\n")
    first = body if end < 0 else body[:end]
    envelope = Envelope(header=_json_line(first, "envelope header"))
    pos = len(body) if end < 0 else end + 1
    while pos < len(body):
        end = body.find(b"\n", pos)
        line = body[pos:] if end < 0 else body[pos:end]
        pos = len(body) if end < 0 else end + 1
        if not line.strip():
            continue
        header = _json_line(line, "item header")
        if not isinstance(header.get("type"), str):
            raise EnvelopeError("item header has no type")
        length = header.get("length")
        if length is not None:
            if not isinstance(length, int) or isinstance(length, bool) or length < 0:
                raise EnvelopeError("item length is not a non-negative integer")
            if pos + length > len(body):
                raise EnvelopeError("item is shorter than its length")
            payload = body[pos : pos + length]
            pos += length
            if body[pos : pos + 1] == b"\n":
                pos += 1
        else:
            end = body.find(b"\n", pos)
            payload = body[pos:] if end < 0 else body[pos:end]
            pos = len(body) if end < 0 else end + 1
        envelope.items.append(EnvelopeItem(header=header, payload=payload))
    return envelope


def serialize_envelope(envelope: Envelope) -> bytes:
    """The wire form of ``envelope``; every item gets an explicit ``length``."""
    out = [json.dumps(envelope.header, separators=(",", ":")).encode()]
    for item in envelope.items:
        header = {**item.header, "length": len(item.payload)}
        out.append(json.dumps(header, separators=(",", ":")).encode())
        out.append(item.payload)
    return b"\n".join(out) + b"\n"
