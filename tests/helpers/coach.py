"""The coach's tools and skills as the app plugs them in: from the slice list's manifests."""

from __future__ import annotations

from aicoach.chat.offline.request import Request
from aicoach.chat.runtime import build_skills
from aicoach.coach.skills import SkillRegistry
from aicoach.container import Registries
from aicoach.main import SLICES

REGISTRIES = Registries.of(SLICES)
TOOLS = REGISTRIES.tools
SKILLS = REGISTRIES.skills


def skill_registry() -> SkillRegistry[Request]:
    """The offline coach's skill registry, with the chat's fallback."""
    return build_skills(SKILLS)
