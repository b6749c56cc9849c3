"""The coach's tools: plain typed async functions, registered with a JSON schema made from their
signature, called with validated arguments and the caller's identity from ``ToolContext``.

A tool looks like::

    async def get_quote(ctx: ToolContext, symbol: Symbol) -> ToolResult:
        \"\"\"The latest quote for a symbol ...\"\"\"   # the description the model reads

Its first parameter is the context; the others are what the model may pass, turned into a JSON
Schema by Pydantic (``Annotated[..., Field(description=...)]`` documents an argument). Identity
(``ctx.user_id``) never comes from model arguments, and unknown arguments are refused.

``ToolRegistry.call`` never raises for a tool's own failure: unknown tool, invalid arguments,
one of our ``AICoachError`` s or a timeout become ``ToolResult({"error": "..."})`` with a short
readable message — the model reads it and can correct itself or tell the trader. An unexpected
exception is reported to Sentry and becomes a generic error result.

Every successful result carries ``citations``: where each number came from (data source,
as-of time, market session) so the stored answer can show its chips.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, get_type_hints

from pydantic import BaseModel, ConfigDict, ValidationError, create_model
from sqlalchemy.ext.asyncio import AsyncSession

from aicoach.errors import AICoachError
from aicoach.llm.messages import ToolSpec
from aicoach.observability.sentry import capture_exception

log = logging.getLogger(__name__)

#: What a citation's ``source`` may say.
SOURCES = frozenset({"simulated", "delayed", "real-time", "files", "your data"})


@dataclass(frozen=True)
class ToolContext:
    """Who is asking and with what: identity and clients come from here, never from the model."""

    user_id: int
    session: AsyncSession
    #: The app's parts (the composition root's container); each tool reads only what it needs.
    deps: Any
    now: datetime


@dataclass(frozen=True)
class Citation:
    """Where a number came from: ``source`` (one of ``SOURCES``), the data's as-of time (aware
    UTC), the market session at that time (pre-market | regular | after-hours | closed) and a
    short label ("SPY key levels")."""

    source: str
    as_of: datetime
    market_session: str
    label: str

    def to_dict(self) -> dict[str, str]:
        return {
            "source": self.source,
            "as_of": self.as_of.isoformat(),
            "market_session": self.market_session,
            "label": self.label,
        }


@dataclass(frozen=True)
class Card:
    """A widget the UI renders for ``type`` (shapes in ``docs`` / the chat contract); ``data``
    is JSON-safe."""

    type: str
    data: dict[str, Any]


@dataclass(frozen=True)
class ToolResult:
    """``data`` is what the model reads (JSON-safe); ``summary`` one short line for the chip."""

    data: dict[str, Any]
    citations: tuple[Citation, ...] = ()
    cards: tuple[Card, ...] = ()
    summary: str = ""

    @property
    def ok(self) -> bool:
        return "error" not in self.data

    @classmethod
    def failure(cls, message: str) -> ToolResult:
        return cls({"error": message}, summary=message)


ToolFn = Callable[..., Awaitable[ToolResult]]


@dataclass(frozen=True)
class _Tool:
    name: str
    description: str
    fn: ToolFn
    args_model: type[BaseModel]
    spec: ToolSpec = field(compare=False)


def _clean_schema(node: Any) -> Any:
    """Drop Pydantic's ``title`` keys: they cost tokens and tell the model nothing."""
    if isinstance(node, dict):
        return {k: _clean_schema(v) for k, v in node.items() if k != "title"}
    if isinstance(node, list):
        return [_clean_schema(v) for v in node]
    return node


def _args_model(name: str, fn: ToolFn) -> type[BaseModel]:
    hints = get_type_hints(fn, include_extras=True)
    params = list(inspect.signature(fn).parameters.values())
    if not params or params[0].name != "ctx":
        raise TypeError(f"tool {name}: the first parameter must be `ctx: ToolContext`")
    fields: dict[str, Any] = {}
    for p in params[1:]:
        if p.kind not in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            raise TypeError(f"tool {name}: *args/**kwargs are not allowed")
        if p.name not in hints:
            raise TypeError(f"tool {name}: parameter {p.name} needs a type annotation")
        default = ... if p.default is inspect.Parameter.empty else p.default
        fields[p.name] = (hints[p.name], default)
    model: type[BaseModel] = create_model(
        f"{name}_arguments", __config__=ConfigDict(extra="forbid"), **fields
    )
    return model


def _describe_validation(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:4]:
        where = ".".join(str(p) for p in err.get("loc", ())) or "arguments"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "Invalid arguments — " + "; ".join(parts)


class ToolRegistry:
    """Named tools with schemas; ``call`` validates and runs one (see the module docstring)."""

    def __init__(self, *, timeout_seconds: float = 20.0) -> None:
        self._tools: dict[str, _Tool] = {}
        self.timeout_seconds = timeout_seconds

    def register(
        self, fn: ToolFn, *, name: str | None = None, description: str | None = None
    ) -> ToolFn:
        tool_name = name or fn.__name__
        if tool_name in self._tools:
            raise ValueError(f"tool {tool_name} is registered twice")
        text = description or inspect.getdoc(fn) or ""
        if not text:
            raise TypeError(f"tool {tool_name} needs a docstring: it is the model's description")
        model = _args_model(tool_name, fn)
        schema = _clean_schema(model.model_json_schema())
        schema.pop("additionalProperties", None)
        schema.setdefault("properties", {})
        spec = ToolSpec(tool_name, text, schema)
        self._tools[tool_name] = _Tool(tool_name, text, fn, model, spec)
        return fn

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    @property
    def names(self) -> list[str]:
        return list(self._tools)

    def specs(self) -> list[ToolSpec]:
        return [t.spec for t in self._tools.values()]

    async def call(self, name: str, arguments: dict[str, Any], ctx: ToolContext) -> ToolResult:
        tool = self._tools.get(name)
        if tool is None:
            known = ", ".join(self._tools)
            return ToolResult.failure(f"Unknown tool '{name[:60]}'. Available: {known}.")
        try:
            args = tool.args_model.model_validate(arguments if isinstance(arguments, dict) else {})
        except ValidationError as exc:
            return ToolResult.failure(_describe_validation(exc))
        kwargs = {key: getattr(args, key) for key in type(args).model_fields}
        try:
            async with asyncio.timeout(self.timeout_seconds):
                result = await tool.fn(ctx, **kwargs)
        except AICoachError as exc:
            return ToolResult.failure(exc.message)
        except TimeoutError:
            return ToolResult.failure(
                f"{name} took longer than {self.timeout_seconds:g} s; the data source may be slow."
            )
        except ValidationError as exc:
            return ToolResult.failure(_describe_validation(exc))
        except Exception as exc:
            log.exception("chat tool failed", extra={"tool": name})
            capture_exception(exc, tool=name)
            return ToolResult.failure(f"{name} failed unexpectedly; the error was reported.")
        return result
