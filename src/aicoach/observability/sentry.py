"""Sentry on the server: initialisation from settings, a capture helper, flush and shutdown.

With no ``SENTRY_DSN`` nothing is initialised, nothing is sent and every helper still works
(``capture_exception`` then only logs). ``send_default_pii`` is left at its default (off): in the
installed SDK the option itself is deprecated and passing it raises a ``DeprecationWarning``.

Every event and transaction passes through :mod:`aicoach.observability.scrub` (the SDK's
``EventScrubber`` with an extended denylist, then our ``Scrubber`` with the process-wide secrets
from settings plus the current request's own cookie/authorization/CSRF values). Breadcrumbs only
ever leave attached to an event, and the SDK attaches them *before* ``before_send`` runs, so they
are scrubbed there, with every secret the request has registered by then; there is deliberately
no ``before_breadcrumb`` hook: it would run the scrubber's regexes on every log line (and SQL
query, when tracing is on) as it is recorded — tens of µs each, several per request — for
breadcrumbs that are almost never sent. Before
scrubbing, ``before_send`` makes sure the ``request_id`` tag and the user id are on the event,
whatever captured it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

import sentry_sdk
from pydantic import SecretStr
from sentry_sdk.integrations.fastapi import FastApiIntegration
from sentry_sdk.integrations.logging import LoggingIntegration, ignore_logger
from sentry_sdk.integrations.sqlalchemy import SqlalchemyIntegration
from sentry_sdk.integrations.starlette import StarletteIntegration

from aicoach.config import Settings
from aicoach.observability import context
from aicoach.observability.release import environment_name, release_name
from aicoach.observability.scrub import Scrubber, expand_raw_secrets, sdk_event_scrubber

ERRORS_LOGGER = "aicoach.errors"
ACCESS_LOGGER = "aicoach.access"

_log = logging.getLogger(ERRORS_LOGGER)
_scrubber = Scrubber()
_SERVER_ERRORS = frozenset(range(500, 600))
_EVENT_ID_ATTR = "__aicoach_sentry_event_id__"
#: The SDK's default ``http_methods_to_capture`` (HEAD and OPTIONS are not traced).
_TRACED_METHODS = ("CONNECT", "DELETE", "GET", "PATCH", "POST", "PUT", "TRACE")


def settings_secrets(settings: Settings) -> list[SecretStr]:
    """Every ``SecretStr`` field of ``settings`` (provider keys, the app secret, future keys)."""
    values: list[SecretStr] = []
    for name in type(settings).model_fields:
        value = getattr(settings, name, None)
        if isinstance(value, SecretStr):
            values.append(value)
    return values


def _request_secrets() -> list[str]:
    state = context.current_state()
    if state is None:
        return []
    return [*expand_raw_secrets(state.raw_secrets), *state.secrets]


def _enrich(event: dict[str, Any]) -> None:
    """Put the request id tag and the user id on ``event`` (only the id: no e-mail, no IP)."""
    tags = event.get("tags")
    if not isinstance(tags, dict):
        tags = event["tags"] = {}
    rid = context.current_request_id()
    if rid and "request_id" not in tags:
        tags["request_id"] = rid
    uid = context.current_user_id()
    user = event.get("user") if isinstance(event.get("user"), dict) else {}
    assert isinstance(user, dict)
    user_id = user.get("id") if user.get("id") is not None else uid
    if user_id is not None:
        event["user"] = {"id": str(user_id)}
        tags.setdefault("user_id", str(user_id))
    else:
        event.pop("user", None)


def before_send(event: Any, hint: Any) -> Any:
    """Sentry ``before_send``: enrich with request/user ids, then scrub (never drops)."""
    _enrich(event)
    return _scrubber.scrub(event, _request_secrets())


def before_send_transaction(event: Any, hint: Any) -> Any:
    """Sentry ``before_send_transaction``: same as :func:`before_send` (spans included)."""
    _enrich(event)
    return _scrubber.scrub(event, _request_secrets())


def route_sampler(default: float, rates: dict[str, float]) -> Callable[[dict[str, Any]], float]:
    """Sentry ``traces_sampler``: the rate of the longest path prefix in ``rates`` that the
    request's path starts with, else ``default`` — so a slow chain or a slow tool call can be
    traced at 100 % while health checks are never traced."""
    prefixes = sorted(rates, key=len, reverse=True)

    def sample(context: dict[str, Any]) -> float:
        scope = context.get("asgi_scope") or {}
        path = scope.get("path", "") if isinstance(scope, dict) else ""
        for prefix in prefixes:
            if path.startswith(prefix):
                return rates[prefix]
        return default

    return sample


def init_sentry(settings: Settings) -> bool:
    """Initialise the SDK from settings; ``False`` (and any previous client closed) without DSN.

    Release: ``SENTRY_RELEASE`` or ``aicoach@<version>+<sha>``; environment: ``SENTRY_ENVIRONMENT``
    or ``settings.env``. Only requests answered 5xx or raising are reported; performance traces at
    ``SENTRY_TRACES_SAMPLE_RATE`` (default 0: then no transaction is started and SQL queries are
    neither spans nor breadcrumbs, see the comment below). Trace headers are never added to
    outgoing requests (``trace_propagation_targets=[]``): third-party APIs learn nothing about us.
    """
    global _scrubber
    if not settings.sentry_dsn:
        shutdown_sentry(timeout=0.0)
        return False
    _scrubber = Scrubber(secrets=settings_secrets(settings))
    # Our own loggers: access lines are per request (useless as breadcrumbs, and costly) and
    # error lines duplicate the events capture_exception sends itself.
    ignore_logger(ACCESS_LOGGER)
    ignore_logger(ERRORS_LOGGER)
    route_rates = settings.sentry_traces_route_rates
    tracing = bool(settings.sentry_traces_sample_rate or any(route_rates.values()))
    traces_sample_rate = settings.sentry_traces_sample_rate or None
    # Without tracing, per-request performance machinery is pure cost (measured on this stack,
    # CPU time): a transaction per request (continue_trace, a seeded RNG, a discarded Transaction:
    # ~55 µs a request) and the SQLAlchemy integration's span + breadcrumb per query (~30 µs a
    # query, several per request). So no transaction is started and that integration is off;
    # errors keep their request, user, tags, transaction name and scrubbing. With a sample rate
    # both come back.
    methods = _TRACED_METHODS if tracing else ()
    disabled = [] if tracing else [SqlalchemyIntegration()]
    sentry_sdk.init(
        dsn=settings.sentry_dsn,
        environment=environment_name(settings),
        release=release_name(settings),
        traces_sample_rate=traces_sample_rate,
        traces_sampler=(
            route_sampler(settings.sentry_traces_sample_rate, route_rates) if route_rates else None
        ),
        integrations=[
            StarletteIntegration(
                transaction_style="url",
                failed_request_status_codes=set(_SERVER_ERRORS),
                middleware_spans=False,
                http_methods_to_capture=methods,
            ),
            FastApiIntegration(
                transaction_style="url",
                failed_request_status_codes=set(_SERVER_ERRORS),
                middleware_spans=False,
                http_methods_to_capture=methods,
            ),
            LoggingIntegration(level=logging.INFO, event_level=logging.ERROR),
        ],
        before_send=before_send,
        before_send_transaction=before_send_transaction,
        event_scrubber=sdk_event_scrubber(),
        max_request_body_size="medium",
        include_local_variables=True,
        trace_propagation_targets=[],
        auto_session_tracking=False,
        disabled_integrations=disabled,
    )
    return True


def is_enabled() -> bool:
    """Whether a Sentry client with a DSN is active in this process."""
    return sentry_sdk.get_client().is_active()


def capture_exception(exc: BaseException, **extra: Any) -> str | None:
    """Report ``exc`` (with ``extra`` as tags/context) and log it; return the Sentry event id.

    For critical paths (chat, options, levels) that handle an error but want it seen. Always logs
    one ERROR line on ``aicoach.errors`` with the traceback and the event id. Returns ``None``
    when Sentry is not configured. Capturing the same exception object twice returns the first
    id (no second event).
    """
    event_id: str | None = getattr(exc, _EVENT_ID_ATTR, None)
    if event_id is None and is_enabled():
        with sentry_sdk.new_scope() as scope:
            for key, value in extra.items():
                if isinstance(value, (str, int, float, bool)) and len(str(value)) <= 200:
                    scope.set_tag(key, value)
            if extra:
                scope.set_context("aicoach", {k: _jsonable(v) for k, v in extra.items()})
            event_id = scope.capture_exception(exc)
        if event_id is None:
            # The SDK's dedupe dropped it: the integration captured this very exception already.
            event_id = sentry_sdk.last_event_id()
        if event_id is not None:
            with contextlib.suppress(AttributeError, TypeError):  # exceptions with __slots__
                setattr(exc, _EVENT_ID_ATTR, event_id)
    _log.error(
        "captured %s: %s",
        type(exc).__name__,
        exc,
        exc_info=(type(exc), exc, exc.__traceback__),
        extra={"event_id": event_id, "context": {k: _jsonable(v) for k, v in extra.items()}},
    )
    return event_id


def event_id_of(exc: BaseException) -> str | None:
    """The event id :func:`capture_exception` gave ``exc``, if it was captured."""
    value = getattr(exc, _EVENT_ID_ATTR, None)
    return value if isinstance(value, str) else None


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return repr(value)


def flush(timeout: float = 2.0) -> None:
    """Send what is queued, waiting at most ``timeout`` seconds (call on shutdown)."""
    client = sentry_sdk.get_client()
    if client.is_active():
        client.flush(timeout=timeout)


def shutdown_sentry(timeout: float = 2.0) -> None:
    """Flush, close and detach the client: afterwards nothing is sent (tests, app shutdown)."""
    client = sentry_sdk.get_client()
    if client.is_active():
        client.close(timeout=timeout)
    sentry_sdk.get_global_scope().set_client(None)
