"""The chat slice: the coach's conversations, the tool loop, the shell page around them."""

from __future__ import annotations

from aicoach.chat import pages, routes
from aicoach.chat.interruptions import interruption_sweeper
from aicoach.chat.offline import skills
from aicoach.chat.stops import stop_listener
from aicoach.plugin import Manifest

MANIFEST = Manifest(
    name="chat",
    routers=(routes.router, pages.router),
    skills=skills.SKILLS,  # explanations, help, advice, "not yet"; the fallback is the runtime's
    models=("aicoach.chat.models",),
    lifespan=(stop_listener, interruption_sweeper),
)
