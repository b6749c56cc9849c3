"""The charts slice: the Chart tab and the ``levels`` / ``bars`` commands."""

from __future__ import annotations

from aicoach.charts import commands, pages, skills
from aicoach.plugin import Manifest

MANIFEST = Manifest(
    name="charts",
    routers=(pages.router,),
    tabs=(pages.TAB,),
    skills=skills.SKILLS,
    commands=(commands.register,),
)
