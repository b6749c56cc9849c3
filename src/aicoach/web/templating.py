"""Jinja2 templates with the globals every page needs."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request

from aicoach import __version__
from aicoach.config import Settings
from aicoach.observability.browser import browser_sentry_config
from aicoach.observability.context import current_request_id

WEB_DIR = Path(__file__).parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"


@cache
def _static_version(path: str) -> str:
    """Content hash for cache-busting; read once per file per process."""
    file = STATIC_DIR / path
    if not file.is_file():
        return "0"
    return hashlib.sha256(file.read_bytes()).hexdigest()[:10]


def static_url(path: str) -> str:
    return f"/static/{path}?v={_static_version(path)}"


def build_templates(settings: Settings) -> Jinja2Templates:
    def request_context(request: Request) -> dict[str, Any]:
        return {
            "user": getattr(request.state, "user_view", None),
            "csrf_token": getattr(request.state, "csrf_token", ""),
            "csp_nonce": getattr(request.state, "csp_nonce", ""),
            "request_id": current_request_id() or "",
        }

    templates = Jinja2Templates(directory=str(TEMPLATES_DIR), context_processors=[request_context])
    env = templates.env
    env.globals["static"] = static_url
    env.globals["app_version"] = __version__
    env.globals["browser_sentry"] = browser_sentry_config(settings)
    env.globals["invite_only"] = settings.invite_only
    return templates
