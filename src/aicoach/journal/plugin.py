"""The journal slice: broker accounts, imports, the trades built from them, analytics, the
Journal tab, the coach's journal tools and skills, and ``aicoach journal``."""

from __future__ import annotations

from aicoach.journal import commands, pages, routes, skills, tasks, tools
from aicoach.plugin import CardSpec, Manifest

#: The chat cards the journal tools emit; a click opens the Journal tab on the card's filters.
CARDS = (
    CardSpec("journal_summary", "journal/cards/journal_summary.js", tab="journal"),
    CardSpec("equity_curve", "journal/cards/equity_curve.js", tab="journal"),
)


MANIFEST = Manifest(
    name="journal",
    routers=(routes.router, pages.router),
    tabs=(pages.TAB,),
    cards=CARDS,
    jobs=tasks.JOBS,
    tools=tools.TOOLS,
    skills=skills.SKILLS,
    commands=(commands.register,),
    models=("aicoach.journal.models",),
)
