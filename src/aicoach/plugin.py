"""What a slice hands the app: one :class:`Manifest`, declared in ``<slice>/plugin.py``.

The composition root (``aicoach.main.SLICES``) lists the slices once; the registries (routers,
tabs, jobs, coach tools and skills, cards, CLI commands, ORM models) are handed the manifests'
entries and never import a slice themselves. Adding a slice with a tab, a tool, a card and a job
is one folder with a ``plugin.py`` plus one line in the slice list.

This module is neutral ground: it imports no slice, and no web, database or network module at
run time (the typing imports are for annotations only), so any slice can declare itself here.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from fastapi import APIRouter

    from aicoach.coach.skills import Skill
    from aicoach.config import Settings
    from aicoach.container import Container
    from aicoach.marketdata.service import MarketDataService

#: A long-lived part of a slice (a runtime, a monitor): entered at start-up, left at shut-down.
Lifespan = Callable[["Container"], AbstractAsyncContextManager[None]]


T = TypeVar("T")


class MarketRunner(Protocol):
    """Runs ``make(market)`` on a fresh market-data service for one CLI command, closing it after;
    our errors become a readable line and exit code 1."""

    def __call__(
        self, make: Callable[[MarketDataService], Coroutine[Any, Any, T]], settings: Settings, /
    ) -> T: ...


@dataclass(frozen=True, slots=True)
class CommandKit:
    """What the CLI (a composition root) hands each slice's ``commands`` entry:
    ``register(app, kit)``."""

    load_settings: Callable[[], Settings]
    run_with_market: MarketRunner


@dataclass(frozen=True, slots=True)
class Tab:
    """A center-panel tab: ``url`` is the HTMX partial loaded when the tab first opens; the shell
    renders tabs by ``order``."""

    id: str
    title: str
    url: str
    order: int = 100
    icon: str = ""


@dataclass(frozen=True, slots=True)
class CardSpec:
    """A chat card type: ``module`` is the ES module (under ``/static/js/``) that renders it,
    ``tab`` the center-panel tab a click on the card opens (empty: the card opens nothing)."""

    type: str
    module: str
    tab: str = ""


@dataclass(frozen=True, slots=True)
class Manifest:
    """Everything a slice plugs in. Every field is optional but ``name``.

    * ``routers`` — JSON APIs and pages (the root adds the CSRF dependency to each);
    * ``tabs`` — center-panel tabs; ``cards`` — chat card renderers; ``scripts`` — extra ES
      modules the shell page loads (a tab's entry module);
    * ``jobs`` — background jobs and schedules (``aicoach.worker.jobs.JobSpec``);
    * ``processes`` — long-running parts of every job consumer, e.g. a monitor
      (``aicoach.worker.processes.ProcessSpec``);
    * ``tools`` — the coach's tools (plain typed async functions); ``skills`` — the offline
      coach's skills for them;
    * ``commands`` — Typer apps or functions added to the ``aicoach`` CLI;
    * ``models`` — modules whose ORM models belong to the schema (imported for Alembic/tests);
    * ``lifespan`` — long-lived parts, entered in start-up order and left in reverse;
    * ``assets`` — a folder of the slice's own browser files, served at ``/static/js/<name>/``
      (the built-in slices keep theirs in ``web/static/js/<name>/``; a plug-in slice can carry
      its modules with it).
    """

    name: str
    routers: Sequence[APIRouter] = ()
    tabs: Sequence[Tab] = ()
    cards: Sequence[CardSpec] = ()
    scripts: Sequence[str] = ()
    jobs: Sequence[Any] = ()
    processes: Sequence[Any] = ()
    tools: Sequence[Callable[..., Any]] = ()
    skills: Sequence[Skill[Any, Any]] = ()
    commands: Sequence[Any] = ()
    models: Sequence[str] = ()
    lifespan: Sequence[Lifespan] = field(default=())
    assets: Path | None = None
