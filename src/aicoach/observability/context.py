"""Per-request context: the request id, the signed-in user and the request's own secrets.

Two public ``ContextVar``s, ``request_id`` and ``user_id``, are what the logging formatter and the
Sentry ``before_send`` hook read. Because a context is *copied* into threads (sync endpoints and
dependencies run in a thread pool) and into child tasks, a value set there would never be seen by
the middleware that logs the request at the end. So the middleware also binds one mutable
:class:`RequestState` per request: the object is shared by reference across every copy of the
context, and :func:`bind_user` writes to it as well as to the ``ContextVar``.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field

import sentry_sdk

request_id: ContextVar[str | None] = ContextVar("aicoach_request_id", default=None)
user_id: ContextVar[int | None] = ContextVar("aicoach_user_id", default=None)


@dataclass(slots=True)
class RequestState:
    """What one request learns about itself while it runs (mutable, shared across contexts).

    ``raw_secrets`` holds header values (cookie, authorization, CSRF, API key) exactly as they
    arrived; the scrubber splits them into the individual secrets only if an event is captured,
    so the common path costs one list append per sensitive header.
    """

    request_id: str
    user_id: int | None = None
    raw_secrets: list[tuple[str, str]] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)


_state: ContextVar[RequestState | None] = ContextVar("aicoach_request_state", default=None)


def begin_request(rid: str) -> RequestState:
    """Start the context of one request (called by the middleware): bind the id, reset the user."""
    state = RequestState(request_id=rid)
    _state.set(state)
    request_id.set(rid)
    user_id.set(None)
    if sentry_sdk.get_client().is_active():
        sentry_sdk.set_tag("request_id", rid)
    return state


def bind_request_id(rid: str) -> None:
    """Bind ``rid`` as the current request id (contextvar, request state and Sentry tag)."""
    request_id.set(rid)
    state = _state.get()
    if state is not None:
        state.request_id = rid
    if sentry_sdk.get_client().is_active():
        sentry_sdk.set_tag("request_id", rid)


def bind_user(user_id_value: int | None) -> None:
    """Bind the signed-in user (or ``None`` for anonymous) to logs and to Sentry's scope.

    Sets the ``user_id`` contextvar, the shared request state (so the access log line sees it even
    when this runs in a thread) and Sentry's scope user ``{"id": "<id>"}`` plus a ``user_id`` tag.
    Only the id is ever sent: no e-mail, no name, no IP address.
    """
    user_id.set(user_id_value)
    state = _state.get()
    if state is not None:
        state.user_id = user_id_value
    if sentry_sdk.get_client().is_active():
        if user_id_value is None:
            sentry_sdk.set_user(None)
            sentry_sdk.get_isolation_scope().remove_tag("user_id")
        else:
            sentry_sdk.set_user({"id": str(user_id_value)})
            sentry_sdk.set_tag("user_id", str(user_id_value))


def current_request_id() -> str | None:
    """The id of the request being served, or ``None`` outside a request."""
    state = _state.get()
    if state is not None:
        return state.request_id
    return request_id.get()


def current_user_id() -> int | None:
    """The id of the signed-in user of the current request, or ``None``."""
    state = _state.get()
    if state is not None and state.user_id is not None:
        return state.user_id
    return user_id.get()


def current_state() -> RequestState | None:
    """The mutable state of the current request (``None`` outside a request)."""
    return _state.get()


def register_secret(value: str | None) -> None:
    """Declare a value that must never leave in a Sentry event of this request.

    For values the scrubber cannot recognise by key or shape, e.g. the password a login handler
    just read from a form: anywhere it appears (exception messages, local variables, breadcrumbs)
    it is replaced by ``[Filtered]``. Values shorter than 6 characters are ignored (too likely to
    match innocent text).
    """
    if not value or len(value) < 6:
        return
    state = _state.get()
    if state is not None:
        state.secrets.append(value)
