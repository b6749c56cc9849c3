"""API token scopes: what a Bearer token may do, checked once for every route.

``read`` reads (GET/HEAD); ``trade`` also changes the user's data (positions, journal,
watchlist, chat…); ``admin`` also reaches the admin routes and is granted only by an
administrator. The scopes are cumulative: ``trade`` includes ``read``, ``admin`` includes
``trade``, so a stored token carries every scope it implies and each check is one membership test.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any


class Scope(StrEnum):
    READ = "read"
    TRADE = "trade"
    ADMIN = "admin"


_IMPLIES = {
    Scope.READ: (Scope.READ,),
    Scope.TRADE: (Scope.READ, Scope.TRADE),
    Scope.ADMIN: (Scope.READ, Scope.TRADE, Scope.ADMIN),
}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def expand(scopes: Iterable[Scope]) -> tuple[Scope, ...]:
    """``scopes`` with what each implies, in the order read, trade, admin."""
    have = {implied for scope in scopes for implied in _IMPLIES[scope]}
    return tuple(s for s in Scope if s in have)


def encode(scopes: Iterable[Scope]) -> str:
    return " ".join(expand(scopes))


def decode(stored: str) -> frozenset[Scope]:
    return frozenset(Scope(s) for s in stored.split() if s in Scope.__members__.values())


BEARER_DESCRIPTION = (
    "A personal API token from Settings, sent as `Authorization: Bearer <token>`. "
    "Scopes: `read` — GET/HEAD of your own data; `trade` — read, plus every state-changing "
    "route (positions, journal, watchlist, chat…); `admin` — trade, plus the admin routes "
    "(granted only by an administrator). A `read` token gets 403 on any other method. "
    "Sessions, tokens, the password and account settings are managed from a browser session "
    "only: a token gets 403 there. Changing the password revokes every token."
)


def document_bearer(schema: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI document with the Bearer scheme (and its scopes) described."""
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {})["bearerToken"] = {
        "type": "http",
        "scheme": "bearer",
        "description": BEARER_DESCRIPTION,
    }
    return schema
