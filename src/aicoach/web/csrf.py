"""CSRF protection, two checks on every state-changing request:

* double submit: a random token in the ``aicoach_csrf`` cookie (``__Host-aicoach_csrf`` on an
  https base URL; set by :class:`aicoach.web.middleware.CSRFCookieMiddleware`) must come back in
  the ``X-CSRF-Token`` header (HTMX, fetch) or the ``csrf_token`` form field (plain forms); a
  log-in replaces the token (:func:`rotate_csrf_token`), so one planted before it is worthless;
* the ``Origin`` header (else the ``Referer``'s origin), when the browser sent one, must be the
  base URL's origin or the request's own host; ``Origin: null`` is refused.

Bearer-token API calls are exempt: they carry no ambient credential, so they cannot be forged
cross-site."""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from fastapi import Request
from starlette.responses import Response

from aicoach.errors import CSRFError
from aicoach.web import cookies

CSRF_COOKIE = "aicoach_csrf"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_REFUSED = "The form expired or came from elsewhere; reload the page and try again."


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def tokens_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _origin(url: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of a URL, ``None`` if it has none."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[parts.scheme]


def _host(value: str) -> tuple[str | None, int | None]:
    """``(host, port)`` of a ``Host`` header."""
    try:
        parts = urlsplit("//" + value.strip())
        return parts.hostname, parts.port
    except ValueError:
        return None, None


def origin_allowed(request: Request) -> bool:
    """Whether the request's ``Origin`` (else ``Referer``) is ours; absent (a non-browser
    client) is allowed: the token decides."""
    claimed = request.headers.get("origin")
    if claimed is None:
        referer = request.headers.get("referer")
        if not referer:
            return True
        claimed = referer
    origin = _origin(claimed)
    if origin is None:  # "null" (sandboxed or privacy-stripped) or garbage
        return False
    base = _origin(cookies.base_url(request))
    if base is not None and origin == base:
        return True
    host, port = _host(request.headers.get("host", ""))
    return origin[1] == host and origin[2] == (port or _DEFAULT_PORTS[origin[0]])


def rotate_csrf_token(response: Response, request: Request) -> str:
    """A new CSRF token on ``response`` (at log-in and sign-up): a token an attacker planted or
    read before the log-in does not carry over into the session."""
    token = new_csrf_token()
    cookies.set_cookie(response, request, CSRF_COOKIE, token)
    request.state.csrf_token = token
    return token


async def csrf_protect(request: Request) -> None:
    """The CSRF check (see the module docstring); a dependency on every router."""
    if request.method in _SAFE_METHODS or bearer_token(request) is not None:
        return
    if not origin_allowed(request):
        raise CSRFError(_REFUSED)
    expected = cookies.read_cookie(request, CSRF_COOKIE) or ""
    sent = request.headers.get("x-csrf-token", "")
    content_type = request.headers.get("content-type", "")
    if not sent and content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else ""
    if not expected or not sent or not tokens_equal(expected, sent):
        raise CSRFError(_REFUSED)
