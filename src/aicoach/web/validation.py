"""Validation errors in words a trader understands, all of them at once.

Pydantic says ``Email: value is not a valid email address: An email address must have an
@-sign.``; a trader should read ``Email address must have an @-sign.`` — and every problem of the
form in one go, not the first one per submit. :func:`readable` turns Pydantic's error list (from
``ValidationError.errors()`` or FastAPI's ``RequestValidationError.errors()``) into one sentence
per problem, with the field named as a person would ("Leg 2 strike", not ``legs.1.strike``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: Location parts that say where the value came from, not which field it is.
_SOURCES = frozenset({"body", "query", "path", "header", "cookie", "form"})
#: Shown at most; the rest are summarised as "and N more".
MAX_SHOWN = 10


@dataclass(frozen=True, slots=True)
class Problem:
    field: str  # the dotted location, for programs ("legs.1.strike")
    label: str  # the field as a person reads it ("Leg 2 strike")
    message: str  # one sentence ("Leg 2 strike must be more than 0.")
    type: str  # Pydantic's error type, for programs


def field_label(loc: Sequence[Any]) -> str:
    """``("legs", 1, "strike")`` → ``"Leg 2 strike"``; ``("email",)`` → ``"Email"``."""
    words: list[str] = []
    for part in loc:
        if isinstance(part, int):
            if words:
                words[-1] = _singular(words[-1])
            words.append(str(part + 1))
        else:
            words.append(str(part).replace("_", " "))
    text = " ".join(words).strip() or "The request"
    return text[0].upper() + text[1:]


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def _sentence(label: str, kind: str, msg: str, ctx: Mapping[str, Any]) -> str:
    limit = {k: _num(ctx.get(k)) for k in ("min_length", "max_length", "gt", "ge", "lt", "le")}
    match kind:
        case "missing":
            return f"{label} is required."
        case "string_too_short":
            if limit["min_length"] == 1:
                return f"{label} can't be empty."
            return f"{label} must be at least {limit['min_length']} characters."
        case "string_too_long":
            return f"{label} can be at most {limit['max_length']} characters."
        case "too_short":
            return f"{label} needs at least {_items(ctx.get('min_length'))}."
        case "too_long":
            return f"{label} can have at most {_items(ctx.get('max_length'))}."
        case "greater_than":
            return f"{label} must be more than {limit['gt']}."
        case "greater_than_equal":
            return f"{label} must be {limit['ge']} or more."
        case "less_than":
            return f"{label} must be less than {limit['lt']}."
        case "less_than_equal":
            return f"{label} must be {limit['le']} or less."
        case "int_parsing" | "int_type" | "int_from_float":
            return f"{label} must be a whole number."
        case "float_parsing" | "float_type" | "decimal_parsing" | "decimal_type":
            return f"{label} must be a number."
        case "finite_number":
            return f"{label} must be a finite number."
        case "bool_parsing" | "bool_type":
            return f"{label} must be true or false."
        case "date_parsing" | "date_from_datetime_parsing" | "date_type":
            return f"{label} must be a date like 2026-01-16."
        case "datetime_parsing" | "datetime_from_date_parsing" | "datetime_type":
            return f"{label} must be a date and time like 2026-01-16T15:30:00Z."
        case "timezone_aware":
            return f"{label} needs a time zone (e.g. 2026-01-16T15:30:00Z)."
        case "enum" | "literal_error":
            return f"{label} must be one of: {ctx.get('expected', '').replace(chr(39), '')}."
        case "extra_forbidden":
            return f"{label} is not a field this accepts."
        case "json_invalid":
            return "The request body is not valid JSON."
        case "value_error" | "assertion_error":
            return _value_error(label, msg)
    return f"{label}: {msg[0].lower() + msg[1:] if msg else 'is invalid'}."


def _num(x: Any) -> Any:
    """``0.0`` → ``0``, ``2.5`` → ``2.5``: limits as a person writes them."""
    return f"{x:g}" if isinstance(x, float) else x


def _items(n: Any) -> str:
    return f"{n} item" if n == 1 else f"{n} items"


def _value_error(label: str, msg: str) -> str:
    text = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    # email-validator's reason follows this prefix and reads well on its own.
    _, sep, reason = text.partition("value is not a valid email address: ")
    text = reason if sep else text
    text = text.rstrip(".") + "."
    # A reason that names the field already ("An email address must…") needs no label in front.
    return text if label.lower() in text.lower() else f"{label}: {text}"


def readable(errors: Iterable[Mapping[str, Any]]) -> list[Problem]:
    """One :class:`Problem` per Pydantic error, in order; duplicates dropped."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for error in errors:
        loc = [p for p in error.get("loc", ()) if not (isinstance(p, str) and p in _SOURCES)]
        kind = str(error.get("type", ""))
        if kind == "json_invalid":
            loc = []
        label = field_label(loc)
        message = _sentence(label, kind, str(error.get("msg", "")), error.get("ctx") or {})
        if message in seen:
            continue
        seen.add(message)
        field = ".".join(str(p) for p in loc) or "request"
        problems.append(Problem(field, label, message, kind))
    return problems


def summary(problems: Sequence[Problem]) -> str:
    """Every problem in one paragraph (``MAX_SHOWN`` at most, then "and N more")."""
    shown = " ".join(p.message for p in problems[:MAX_SHOWN])
    rest = len(problems) - MAX_SHOWN
    return shown + (f" And {rest} more." if rest > 0 else "")
