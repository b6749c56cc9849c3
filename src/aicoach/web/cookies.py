"""How the app names and flags its cookies.

* ``Secure`` when the base URL is ``https://`` *or* this request came over HTTPS (the scheme a
  trusted proxy reported: ``serve`` runs uvicorn with ``proxy_headers``, which trusts
  ``X-Forwarded-Proto`` from ``FORWARDED_ALLOW_IPS``, 127.0.0.1 by default) — so TLS ending at a
  proxy in front of a plain-http hop still gives Secure cookies.
* On an ``https://`` base URL the names carry the ``__Host-`` prefix (``__Secure-`` for a cookie
  scoped to a sub-path): the browser then refuses such a cookie unless it is Secure, from our own
  host, for ``/`` and without ``Domain`` — a sibling subdomain or a plain-http page cannot plant
  or overwrite it.

Every cookie is named by its *base* name (``aicoach_session``, ``aicoach_csrf``); the prefix is
the deployment's, fixed by its base URL, so reading and writing always agree.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

from starlette.requests import HTTPConnection
from starlette.responses import Response

HOST_PREFIX = "__Host-"
SECURE_PREFIX = "__Secure-"


@cache
def _https_base(base_url: str) -> bool:
    return base_url.lower().startswith("https://")


def base_url(conn: HTTPConnection) -> str:
    """The configured base URL (empty outside the app's lifespan)."""
    container = getattr(conn.app.state, "container", None)
    settings = getattr(container, "settings", None)
    return str(getattr(settings, "base_url", "") or "")


def cookie_name(base: str, *, https_base: bool, path: str = "/") -> str:
    if not https_base:
        return base
    return (HOST_PREFIX if path == "/" else SECURE_PREFIX) + base


def name_for(conn: HTTPConnection, base: str, *, path: str = "/") -> str:
    """The cookie's name in this deployment."""
    return cookie_name(base, https_base=_https_base(base_url(conn)), path=path)


def is_secure(conn: HTTPConnection) -> bool:
    return _https_base(base_url(conn)) or conn.url.scheme == "https"


def read_cookie(conn: HTTPConnection, base: str, *, path: str = "/") -> str | None:
    return conn.cookies.get(name_for(conn, base, path=path))


def set_cookie(
    response: Response,
    conn: HTTPConnection,
    base: str,
    value: str,
    *,
    max_age: int | None = None,
    path: str = "/",
    httponly: bool = True,
    samesite: Literal["lax", "strict", "none"] = "lax",
) -> None:
    response.set_cookie(
        name_for(conn, base, path=path),
        value,
        max_age=max_age,
        path=path,
        httponly=httponly,
        samesite=samesite,
        secure=is_secure(conn),
    )


def delete_cookie(response: Response, conn: HTTPConnection, base: str, *, path: str = "/") -> None:
    response.delete_cookie(
        name_for(conn, base, path=path), path=path, secure=is_secure(conn), httponly=True
    )
