"""The journal slice: broker accounts, imports, the trades built from them, analytics, the
Journal tab, the coach's journal tools and skills, and ``aicoach journal``."""

from __future__ import annotations

from aicoach.journal import pages, routes, tasks
from aicoach.plugin import Manifest

MANIFEST = Manifest(
    name="journal",
    routers=(routes.router, pages.router),
    tabs=(pages.TAB,),
    jobs=tasks.JOBS,
    models=("aicoach.journal.models",),
)
