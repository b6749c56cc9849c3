"""The chat slice: the coach's conversations, the tool loop, the shell page around them."""

from __future__ import annotations

from aicoach.chat import pages, routes
from aicoach.plugin import Manifest

MANIFEST = Manifest(
    name="chat", routers=(routes.router, pages.router), models=("aicoach.chat.models",)
)
