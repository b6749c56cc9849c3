"""CSRF protection by double submit: a random token in the ``aicoach_csrf`` cookie (set by
:class:`aicoach.web.middleware.CSRFCookieMiddleware`) must come back in the ``X-CSRF-Token``
header (HTMX, fetch) or the ``csrf_token`` form field (plain forms) of every state-changing
request. Bearer-token API calls are exempt: they carry no ambient credential, so they cannot be
forged cross-site."""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request

from aicoach.errors import CSRFError

CSRF_COOKIE = "aicoach_csrf"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def tokens_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


async def csrf_protect(request: Request) -> None:
    """The CSRF check (see the module docstring); a dependency on every router."""
    if request.method in _SAFE_METHODS or bearer_token(request) is not None:
        return
    expected = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get("x-csrf-token", "")
    content_type = request.headers.get("content-type", "")
    if not sent and content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else ""
    if not expected or not sent or not tokens_equal(expected, sent):
        raise CSRFError("The form expired or came from elsewhere; reload the page and try again.")
