"""The toy slice's manifest: a tab, a tool with its skill, a card (its module in ``assets/``),
a job."""

from __future__ import annotations

from pathlib import Path

from aicoach.plugin import CardSpec, Manifest
from tests.toy_slice import pages, tasks, tools

MANIFEST = Manifest(
    name="toy",
    routers=(pages.router,),
    tabs=(pages.TAB,),
    cards=(CardSpec("lucky_number", "toy/cards/lucky_number.js", tab="toy"),),
    tools=(tools.get_lucky_number,),
    skills=(tools.LuckySkill(),),
    jobs=tasks.JOBS,
    assets=Path(__file__).parent / "assets",
)
