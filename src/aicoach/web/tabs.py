"""The center panel's tabs. Each feature registers its tab here once, from its own ``pages``
module, when the app is built; the shell renders whatever is registered, in ``order``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Tab:
    id: str
    title: str
    url: str  # an HTMX partial loaded when the tab is first opened
    order: int = 100
    icon: str = ""


class TabRegistry:
    def __init__(self) -> None:
        self._tabs: dict[str, Tab] = {}

    def register(self, tab: Tab) -> None:
        if tab.id in self._tabs:
            raise ValueError(f"tab {tab.id!r} registered twice")
        self._tabs[tab.id] = tab

    def all(self) -> list[Tab]:
        return sorted(self._tabs.values(), key=lambda t: (t.order, t.title))


def build_tabs() -> TabRegistry:
    """Every feature's tab, registered in one place so the order is visible at a glance."""
    from aicoach.charts import pages as chart_pages  # here: the slices import web.deps
    from aicoach.options import pages as options_pages

    registry = TabRegistry()
    registry.register(chart_pages.TAB)
    registry.register(options_pages.TAB)
    return registry
