"""The journal slice: broker accounts, imports, the trades built from them, analytics, the
Journal tab, the coach's journal tools and skills, and ``aicoach journal``."""

from __future__ import annotations

from aicoach.journal import commands, pages, routes, skills, tasks, tools
from aicoach.plugin import CardSpec, Manifest
from aicoach.web.frontend import STATIC_DIR

#: The chat cards the journal tools emit; a click opens the Journal tab on the card's filters.
CARDS = (
    CardSpec("journal_summary", "journal/cards/journal_summary.js", tab="journal"),
    CardSpec("equity_curve", "journal/cards/equity_curve.js", tab="journal"),
)


def _landed(card: CardSpec) -> bool:
    # The card modules are the Journal tab's front end (another branch); the app refuses to
    # start on a CardSpec whose module is missing, so until they land a card is declared only
    # when its module is there (the tools still return the card data).
    return (STATIC_DIR / "js" / card.module).is_file()


MANIFEST = Manifest(
    name="journal",
    routers=(routes.router, pages.router),
    tabs=(pages.TAB,),
    cards=tuple(c for c in CARDS if _landed(c)),
    jobs=tasks.JOBS,
    tools=tools.TOOLS,
    skills=skills.SKILLS,
    commands=(commands.register,),
    models=("aicoach.journal.models",),
)
