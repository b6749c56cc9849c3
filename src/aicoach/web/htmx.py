"""The only reader of HTMX request headers and writer of HTMX response headers."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def wants_json(request: Request) -> bool:
    """API callers and scripts get JSON; browsers navigating get pages."""
    if request.url.path.startswith("/api/") or is_htmx(request):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def trigger_toast(response: Response, message: str, kind: str = "success") -> Response:
    response.headers["HX-Trigger"] = json.dumps({"toast": {"message": message, "kind": kind}})
    return response


def redirect(response: Response, url: str) -> Response:
    response.headers["HX-Redirect"] = url
    return response
