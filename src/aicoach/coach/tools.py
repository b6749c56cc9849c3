"""The coach's tools: plain typed async functions, registered with a JSON schema made from their
signature, called with validated arguments and the caller's identity from ``ToolContext``.

A tool looks like::

    class QuoteToolDeps(Protocol):           # exactly what the tool needs, read-only
        @property
        def market(self) -> MarketDataService: ...

    @tool(phrase="Getting the {symbol!u} quote")
    async def get_quote(ctx: ToolContext[QuoteToolDeps], symbol: Symbol) -> ToolResult[Quote]:
        \"\"\"The latest quote for a symbol ...\"\"\"   # the description the model reads

Its first parameter is the context; the others are what the model may pass, turned into a JSON
Schema by Pydantic (``Annotated[..., Field(description=...)]`` documents an argument). Identity
(``ctx.user_id``) never comes from model arguments, and unknown arguments are refused. The
return annotation names the tool's result model: ``ToolResult[M]`` with ``M`` a Pydantic model;
the model reads ``M.model_dump(mode="json")``, the offline coach parses it back into ``M``.

``ctx.deps`` is whatever the app hands in (its container); each slice types it with a
``Protocol`` of the services its tools use, so a tool can only reach what it declared.

``ToolRegistry.call`` never raises for a tool's own failure: unknown tool, invalid arguments,
one of our ``AICoachError`` s or a timeout become a ``ToolResult`` whose data is
``ToolError(error="...")``, a short readable message — the model reads it and can correct
itself or tell the trader. An unexpected exception is reported to Sentry and becomes a generic
error result.

Every successful result carries ``citations``: where each number came from (data source,
as-of time, market session) so the stored answer can show its chips.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
import string
import typing
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar, get_type_hints

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    PlainSerializer,
    ValidationError,
    create_model,
)
from sqlalchemy.ext.asyncio import AsyncSession

from aicoach.errors import AICoachError
from aicoach.llm.messages import ToolSpec
from aicoach.observability.sentry import capture_exception

log = logging.getLogger(__name__)

#: What a citation's ``source`` may say.
SOURCES = frozenset({"simulated", "delayed", "real-time", "files", "your data"})

#: An aware datetime in a result model, serialised as ``datetime.isoformat()`` ("+00:00", not
#: Pydantic's "Z") so the model reads the same text the tools have always written.
IsoDatetime = Annotated[
    AwareDatetime, PlainSerializer(lambda at: at.isoformat(), return_type=str, when_used="json")
]

D_co = TypeVar("D_co", covariant=True)
M_co = TypeVar("M_co", bound=BaseModel, covariant=True)
F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


@dataclass(frozen=True)
class ToolContext(Generic[D_co]):
    """Who is asking and with what: identity and services come from here, never from the model.
    ``deps`` is the app's container, seen by each tool through its slice's ``Protocol``."""

    user_id: int
    session: AsyncSession
    now: datetime
    deps: D_co


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
    """A widget the UI renders for ``type`` (one ES module per type, see ``plugin.CardSpec``);
    ``data`` is a Pydantic model (serialised with ``model_dump(mode="json")``) or JSON-safe."""

    type: str
    data: BaseModel | Mapping[str, Any]

    def payload(self) -> dict[str, Any]:
        if isinstance(self.data, BaseModel):
            return self.data.model_dump(mode="json")
        return dict(self.data)


class ToolError(BaseModel):
    """A failed call, as the model reads it: one short message."""

    model_config = ConfigDict(extra="forbid")
    error: str


@dataclass(frozen=True)
class ToolResult(Generic[M_co]):
    """``data`` is what the model reads (a Pydantic model, serialised by ``payload``);
    ``summary`` one short line for the chip."""

    data: M_co
    citations: tuple[Citation, ...] = ()
    cards: tuple[Card, ...] = ()
    summary: str = ""

    @property
    def ok(self) -> bool:
        return not isinstance(self.data, ToolError)

    @property
    def error(self) -> str | None:
        return self.data.error if isinstance(self.data, ToolError) else None

    def payload(self) -> dict[str, Any]:
        """The JSON object the model reads."""
        return self.data.model_dump(mode="json")

    @staticmethod
    def failure(message: str) -> ToolResult[ToolError]:
        return ToolResult(ToolError(error=message), summary=message)


def tool(*, phrase: str) -> Callable[[F], F]:
    """Declare a tool's progress phrase, shown while it runs ("Looking up SPY key levels").

    ``phrase`` is a ``str.format`` template over the call's arguments: a missing argument is
    left out, ``!u`` upper-cases (``"{symbol!u}"``). The function itself is unchanged."""

    def mark(fn: F) -> F:
        vars(fn)["coach_phrase"] = phrase
        return fn

    return mark


class _PhraseFormatter(string.Formatter):
    def get_value(self, key: int | str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        value = kwargs.get(str(key))
        return "" if value is None or isinstance(value, dict | list) else value

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if conversion == "u":
            return str(value).strip().upper()
        return super().convert_field(value, conversion)


def render_phrase(template: str, arguments: Mapping[str, Any]) -> str:
    """``template`` filled from ``arguments`` (see ``tool``), spaces collapsed."""
    try:
        text = _PhraseFormatter().vformat(template, (), arguments)
    except (ValueError, IndexError, KeyError, AttributeError):
        text = _PhraseFormatter().vformat(re.sub(r"\{[^{}]*\}", "", template), (), {})
    return " ".join(text.split())


ToolFn = Callable[..., Awaitable[ToolResult[BaseModel]]]


@dataclass(frozen=True)
class RegisteredTool:
    """One tool as registered: its schema, its result model and its progress phrase."""

    name: str
    description: str
    fn: ToolFn
    args_model: type[BaseModel]
    result_model: type[BaseModel]
    phrase: str
    spec: ToolSpec = field(compare=False)


def _clean_schema(node: Any) -> Any:
    """Drop Pydantic's ``title`` keys: they cost tokens and tell the model nothing."""
    if isinstance(node, dict):
        return {k: _clean_schema(v) for k, v in node.items() if k != "title"}
    if isinstance(node, list):
        return [_clean_schema(v) for v in node]
    return node


def _args_model(name: str, fn: ToolFn, hints: dict[str, Any]) -> type[BaseModel]:
    params = list(inspect.signature(fn).parameters.values())
    if not params or params[0].name != "ctx":
        raise TypeError(f"tool {name}: the first parameter must be `ctx: ToolContext[...]`")
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


def _result_model(name: str, hints: dict[str, Any]) -> type[BaseModel]:
    ret = hints.get("return")
    args = typing.get_args(ret)
    if typing.get_origin(ret) is not ToolResult or len(args) != 1:
        raise TypeError(f"tool {name}: the return annotation must be ToolResult[<result model>]")
    model = args[0]
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        raise TypeError(f"tool {name}: its result model must be a Pydantic model")
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
        self._tools: dict[str, RegisteredTool] = {}
        self.timeout_seconds = timeout_seconds

    @classmethod
    def of(cls, tools: Sequence[ToolFn], *, timeout_seconds: float = 20.0) -> ToolRegistry:
        registry = cls(timeout_seconds=timeout_seconds)
        for fn in tools:
            registry.register(fn)
        return registry

    def register(
        self, fn: ToolFn, *, name: str | None = None, description: str | None = None
    ) -> ToolFn:
        """Add ``fn`` (rules in the module docstring); a bad declaration raises ``TypeError``."""
        tool_name = name or fn.__name__
        if tool_name in self._tools:
            raise ValueError(f"tool {tool_name} is registered twice")
        text = description or inspect.getdoc(fn) or ""
        if not text:
            raise TypeError(f"tool {tool_name} needs a docstring: it is the model's description")
        hints = get_type_hints(fn, include_extras=True)
        model = _args_model(tool_name, fn, hints)
        result = _result_model(tool_name, hints)
        schema = _clean_schema(model.model_json_schema())
        schema.pop("additionalProperties", None)
        schema.setdefault("properties", {})
        spec = ToolSpec(tool_name, text, schema)
        phrase = str(getattr(fn, "coach_phrase", "")) or "Running " + tool_name.replace("_", " ")
        self._tools[tool_name] = RegisteredTool(tool_name, text, fn, model, result, phrase, spec)
        return fn

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __iter__(self) -> typing.Iterator[RegisteredTool]:
        return iter(self._tools.values())

    @property
    def names(self) -> list[str]:
        return list(self._tools)

    def specs(self) -> list[ToolSpec]:
        return [t.spec for t in self._tools.values()]

    def phrase(self, name: str, arguments: Mapping[str, Any]) -> str:
        """What the UI shows while ``name`` runs with ``arguments`` (raw, as the model sent
        them: a phrase never fails)."""
        registered = self._tools.get(name)
        if registered is None:
            return "Running " + name[:60].replace("_", " ")
        return render_phrase(registered.phrase, arguments if isinstance(arguments, dict) else {})

    async def call(
        self, name: str, arguments: dict[str, Any], ctx: ToolContext[Any]
    ) -> ToolResult[BaseModel]:
        registered = self._tools.get(name)
        if registered is None:
            known = ", ".join(self._tools)
            return ToolResult.failure(f"Unknown tool '{name[:60]}'. Available: {known}.")
        try:
            args = registered.args_model.model_validate(
                arguments if isinstance(arguments, dict) else {}
            )
        except ValidationError as exc:
            return ToolResult.failure(_describe_validation(exc))
        kwargs = {key: getattr(args, key) for key in type(args).model_fields}
        try:
            async with asyncio.timeout(self.timeout_seconds):
                result = await registered.fn(ctx, **kwargs)
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
