"""The app's routes as the probes see them, read from the app itself (so a route added tomorrow
is probed tomorrow), and the smallest request body each JSON operation accepts.

The probes never keep a list of URLs: they enumerate ``app.router`` (pages and forms included,
not just what the OpenAPI document lists) and synthesise bodies from the OpenAPI schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

#: The ``report`` fixture: one line of a probe's counts for the run's summary.
Report = Callable[[str], None]
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_PARAM = re.compile(r"{([^}:]+)(?::[^}]+)?}")


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str  # the template, e.g. /api/positions/{position_id}
    in_schema: bool  # a JSON API operation (else a page or a form post)

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(_PARAM.findall(self.path))

    def url(self, values: dict[str, Any]) -> str:
        return _PARAM.sub(lambda m: str(values[m.group(1)]), self.path)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def app_routes(app: FastAPI) -> list[Route]:
    """Every (method, path) the app serves through FastAPI routes, HEAD and OPTIONS aside."""
    found: set[Route] = set()
    for context in iter_route_contexts(app.router.routes):
        original = context.original_route
        if not isinstance(original, APIRoute):
            continue
        for method in context.methods or ():
            if method not in {"HEAD", "OPTIONS"}:
                found.add(Route(method, context.path_format, original.include_in_schema))
    return sorted(found, key=lambda r: (r.path, r.method))


def minimal_body(app: FastAPI, route: Route) -> Any:
    """The smallest JSON body the operation's schema accepts (required fields only, each at
    its first enum value, minimum, or a plain sample), or ``None`` when it takes no JSON body."""
    if not route.in_schema:
        return None
    document = app.openapi()
    operation = document["paths"].get(route.path, {}).get(route.method.lower(), {})
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    return None if schema is None else _sample(schema, document, depth=0)


def _sample(schema: dict[str, Any], document: dict[str, Any], depth: int) -> Any:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return _sample(document["components"]["schemas"][name], document, depth + 1)
    if depth > 12:
        return None
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return _sample(options[0], document, depth + 1) if options else None
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {
            name: _sample(props[name], document, depth + 1)
            for name in schema.get("required", [])
            if name in props
        }
    if kind == "array":
        item = _sample(schema.get("items", {}), document, depth + 1)
        return [item] * max(1, int(schema.get("minItems", 0)))
    if kind == "integer":
        return int(schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1))
    if kind == "number":
        return float(schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1))
    if kind == "boolean":
        return False
    if kind == "string":
        return _string(schema)
    return None


def _string(schema: dict[str, Any]) -> str:
    fmt = schema.get("format", "")
    if fmt == "date-time":
        return "2026-01-05T15:00:00Z"
    if fmt == "date":
        return "2026-01-16"
    if fmt == "uuid":
        return "00000000-0000-4000-8000-000000000000"
    if fmt == "email":
        return "probe@example.com"
    return "probe".ljust(int(schema.get("minLength", 1)), "x")[: schema.get("maxLength", 64)]
