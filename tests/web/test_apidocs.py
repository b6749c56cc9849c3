"""Every operation documents its errors; OPTIONS answers every registered path in full."""

from __future__ import annotations

import re
from collections import defaultdict

import httpx
from fastapi import FastAPI

from aicoach.web.apidocs import GENERIC

_PARAM = re.compile(r"{([^}:]+)(?::[^}]+)?}")


def test_every_operation_documents_generic_and_path_errors(app: FastAPI) -> None:
    document = app.openapi()
    assert "ErrorEnvelope" in document["components"]["schemas"]
    missing = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            wanted = {str(s) for s in GENERIC}
            if _PARAM.search(path):
                wanted.add("404")
            if method in ("post", "put", "patch", "delete"):
                wanted.add("409")
            if method == "post":
                wanted.add("400")
                headers = {
                    p["name"] for p in operation.get("parameters", []) if p["in"] == "header"
                }
                if "Idempotency-Key" not in headers:
                    missing.append(f"POST {path}: no Idempotency-Key header")
            lacking = wanted - set(operation["responses"])
            if lacking:
                missing.append(f"{method.upper()} {path}: {sorted(lacking)}")
    assert missing == []


async def test_options_lists_every_method_of_every_path(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    by_path: dict[str, set[str]] = defaultdict(set)
    samples: dict[str, str] = {}
    for route in app.router.routes:
        methods = getattr(route, "methods", None)
        path = getattr(route, "path", None)
        if methods and path:
            by_path[path] |= methods
            samples[path] = _PARAM.sub("1", path)
    assert by_path
    for path, methods in by_path.items():
        response = await client.options(samples[path])
        assert response.status_code == 204, path
        allow = {m.strip() for m in response.headers["allow"].split(",")}
        expected = methods | {"OPTIONS"} | ({"HEAD"} if "GET" in methods else set())
        assert expected <= allow, path
    assert (await client.options("/no/such/path")).status_code == 404
