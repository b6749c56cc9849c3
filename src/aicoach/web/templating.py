"""Jinja2 templates with the globals every page needs."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request

from aicoach import __version__
from aicoach.config import Settings
from aicoach.observability.browser import browser_sentry_config
from aicoach.observability.context import current_request_id
from aicoach.plugin import CardSpec
from aicoach.web.frontend import (
    STATIC_DIR,
    StaticTree,
    build_card_map,
    build_import_map,
    static_url,
)

WEB_DIR = Path(__file__).parent
TEMPLATES_DIR = WEB_DIR / "templates"

__all__ = ["STATIC_DIR", "TEMPLATES_DIR", "WEB_DIR", "build_templates", "static_url"]


def build_templates(
    settings: Settings, *, cards: Sequence[CardSpec] = (), tree: StaticTree = StaticTree()
) -> Jinja2Templates:
    """The app's templates. ``cards`` are the chat card types the pages can render (each
    slice's CardSpecs): base.html renders them as the card map, with the import map of
    ``tree`` (the static files, slices' asset folders included)."""

    def request_context(request: Request) -> dict[str, Any]:
        return {
            "user": getattr(request.state, "user_view", None),
            "csrf_token": getattr(request.state, "csrf_token", ""),
            "csp_nonce": getattr(request.state, "csp_nonce", ""),
            "request_id": current_request_id() or "",
        }

    templates = Jinja2Templates(directory=str(TEMPLATES_DIR), context_processors=[request_context])
    env = templates.env
    env.globals["static"] = partial(static_url, tree=tree)
    env.globals["import_map"] = build_import_map(tree)
    env.globals["card_map"] = build_card_map(cards, tree)
    env.globals["app_version"] = __version__
    env.globals["browser_sentry"] = browser_sentry_config(settings)
    env.globals["invite_only"] = settings.invite_only
    return templates
