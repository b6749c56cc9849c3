"""The options slice: chain with IV and Greeks, analysis, the Options tab, ``chain``/``analyze``."""

from __future__ import annotations

from aicoach.options import commands, pages, routes, skills, tools
from aicoach.plugin import CardSpec, Manifest

MANIFEST = Manifest(
    name="options",
    routers=(routes.router, pages.router),
    tabs=(pages.TAB,),
    tools=tools.TOOLS,
    skills=skills.SKILLS,
    cards=(
        CardSpec("options_chain", "options/cards/options_chain.js", tab="options"),
        CardSpec("risk_graph", "options/cards/risk_graph.js", tab="options"),
    ),
    commands=(commands.register,),
)
