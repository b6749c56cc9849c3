"""Structured logs: one JSON object per line on stderr, with the request and user ids.

Every record gets ``ts`` (UTC, ISO 8601, milliseconds), ``level``, ``logger``, ``message``, the
current ``request_id`` and ``user_id`` (from :mod:`aicoach.observability.context`), anything
passed in ``extra=`` and, for exceptions, ``exc_type`` and the formatted ``traceback``. With
``LOG_JSON=false`` the same records are printed as plain text for humans.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any, TextIO

from aicoach.config import Settings
from aicoach.observability import context

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_RESERVED = frozenset(
    vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None)).keys()
    | {"message", "asctime", "taskName"}
)
_HANDLER_NAME = "aicoach-observability"


def _default(value: Any) -> str:
    return str(value)


# One encoder for the process: ``json.dumps`` with options builds a new ``JSONEncoder`` per call.
_encode = json.JSONEncoder(default=_default, ensure_ascii=False, separators=(",", ":")).encode


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line (see the module docstring for the fields).

    Hot path (one access line per request): the timestamp's seconds part is computed once per
    second, and the encoder is built once.
    """

    def __init__(self) -> None:
        super().__init__()
        self._ts_second = -1
        self._ts_prefix = ""

    def _timestamp(self, record: logging.LogRecord) -> str:
        # Same truncation to milliseconds as logging's own formatTime (``record.msecs``).
        second = int(record.created)
        if second != self._ts_second:
            self._ts_prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._ts_second = second
        return f"{self._ts_prefix}.{int(record.msecs):03d}Z"

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": self._timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = context.current_request_id()
        if rid is not None:
            out["request_id"] = rid
        uid = context.current_user_id()
        if uid is not None:
            out["user_id"] = uid
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                out[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            out["exc_type"] = record.exc_info[0].__name__
            out["traceback"] = self.formatException(record.exc_info)
        elif record.exc_text:
            out["traceback"] = record.exc_text
        if record.stack_info:
            out["stack"] = self.formatStack(record.stack_info)
        return _encode(out)


class TextFormatter(logging.Formatter):
    """Human-readable lines: ``time level logger [request_id user] message key=value ...``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = [
            f"{k}={v}"
            for k, v in record.__dict__.items()
            if k not in _RESERVED and not k.startswith("_")
        ]
        rid = context.current_request_id()
        if rid is not None:
            uid = context.current_user_id()
            extras.insert(0, f"request_id={rid}" + (f" user_id={uid}" if uid is not None else ""))
        if extras:
            first, sep, rest = line.partition("\n")
            line = first + "  " + " ".join(extras) + sep + rest
        return line


def configure_logging(settings: Settings, stream: TextIO | None = None) -> logging.Handler:
    """Send the root logger to ``stream`` (stderr) as JSON lines or text; idempotent.

    Replaces a handler installed by an earlier call (so tests and reloads don't double lines) and
    routes uvicorn's loggers through the root so they are formatted the same way. Uvicorn's own
    access log is silenced: :class:`~aicoach.observability.middleware.ObservabilityMiddleware`
    writes a richer one on ``aicoach.access``. Returns the handler.
    """
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter() if settings.log_json else TextFormatter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        if existing.get_name() == _HANDLER_NAME:
            root.removeHandler(existing)
            existing.close()
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    for name in ("uvicorn", "uvicorn.error"):
        lg = logging.getLogger(name)
        lg.handlers.clear()
        lg.propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    return handler
