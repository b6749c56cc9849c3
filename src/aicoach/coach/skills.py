"""The offline coach's skills: how a slice teaches the coach to answer without a model.

A ``Skill[R, P]`` handles one kind of request (key levels, a chain, the trader's positions...)
in three steps, all pure and deterministic:

1. ``score(request)`` — how well the request matches, ``0..1``, with the parameters the skill
   read from it (``Scored(score, params)``), or ``None`` for "not mine". Every skill is asked;
   ``SkillRegistry.match`` takes the best. Ties go to the skill whose ``name`` sorts first (so an
   answer never depends on the order the slices were listed in); a best score below
   ``minimum`` goes to the registry's ``fallback`` skill ("I didn't catch that").
2. ``plan(request, params, done)`` — the tool calls to make now, given the results gathered
   so far this turn (``done``: every call since the trader's message, in order). Multi-step
   plans re-plan after each round (expirations → chain for "next Friday"). Empty: answer now.
3. ``compose(request, params, done)`` — the answer, from the **typed** results: each
   ``Outcome.result(Model)`` parses the tool message back into the tool's result model (a
   failure, or a result that does not fit the model, is a ``ToolError``). Every number in the
   answer must come from those results.

``R`` is the request type of the coach that runs the skills (the chat's parsed message, with
its language kit); ``P`` is the skill's own parameters. This module is neutral: it imports no
slice.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, NamedTuple, TypeVar

from pydantic import BaseModel, ValidationError

from aicoach.coach.tools import ToolError

R = TypeVar("R")
P = TypeVar("P")
M = TypeVar("M", bound=BaseModel)

#: Below this best score the registry answers with its fallback skill.
MIN_SCORE = 0.25


class Call(NamedTuple):
    """One planned tool call (compares equal to a ``(name, arguments)`` tuple)."""

    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Outcome:
    """One tool call of this turn and what came back: ``content`` is the tool message's text
    (the result's JSON, or a plain error message)."""

    call_id: str
    name: str
    arguments: Mapping[str, Any]
    content: str

    def _json(self) -> Any:
        try:
            return json.loads(self.content)
        except ValueError:
            return None

    @property
    def error(self) -> str | None:
        """The failure message, or ``None`` when the tool answered with data."""
        data = self._json()
        if isinstance(data, dict):
            if "error" in data:
                return str(data["error"]).strip() or "the tool failed"
            return None
        return self.content.strip() or "The tool returned nothing."

    @property
    def ok(self) -> bool:
        return self.error is None

    def result(self, model: type[M]) -> M | ToolError:
        """The result as ``model``, or a ``ToolError`` (failed, or not that model's shape)."""
        error = self.error
        if error is not None:
            return ToolError(error=error)
        try:
            return model.model_validate(self._json())
        except ValidationError:
            return ToolError(error=f"the {self.name} result could not be read")


def first(done: Sequence[Outcome], name: str) -> Outcome | None:
    """The first call of tool ``name`` this turn."""
    return next((o for o in done if o.name == name), None)


@dataclass(frozen=True, slots=True)
class Scored(Generic[P]):
    """A skill's claim on a request: ``score`` in ``0..1`` and the parameters it read."""

    score: float
    params: P


class Skill(ABC, Generic[R, P]):
    """One kind of request the offline coach answers (contract in the module docstring).

    ``name`` identifies the skill (tie-break, follow-ups, tests); ``capability`` is its line in
    the coach's help text (Markdown, no digits; empty: not listed); ``tools`` names the tools
    its plans may call."""

    name: ClassVar[str]
    capability: ClassVar[str] = ""
    tools: ClassVar[tuple[str, ...]] = ()

    @abstractmethod
    def score(self, request: R) -> Scored[P] | None:
        """How well ``request`` matches (``None``: not at all)."""

    def plan(self, request: R, params: P, done: Sequence[Outcome]) -> Sequence[Call]:
        """The calls to make now; empty when the answer can be written (default: no tools)."""
        return ()

    @abstractmethod
    def compose(self, request: R, params: P, done: Sequence[Outcome]) -> str:
        """The answer from this turn's results (``done``)."""


@dataclass(frozen=True, slots=True)
class Match(Generic[R]):
    """The skill that won a request, its score and its parameters."""

    skill: Skill[R, Any]
    score: float
    params: Any

    def plan(self, request: R, done: Sequence[Outcome]) -> Sequence[Call]:
        return self.skill.plan(request, self.params, done)

    def compose(self, request: R, done: Sequence[Outcome]) -> str:
        return self.skill.compose(request, self.params, done)


class SkillRegistry(Generic[R]):
    """Skills in the order given (the help text's order); ``match`` picks one per request."""

    def __init__(
        self, skills: Sequence[Skill[R, Any]], *, fallback: Skill[R, Any],
        minimum: float = MIN_SCORE,
    ) -> None:  # fmt: skip
        names = [s.name for s in skills]
        duplicate = {n for n in names if names.count(n) > 1}
        if duplicate or fallback.name in names:
            raise ValueError(f"skill names must be unique: {sorted(duplicate or {fallback.name})}")
        self.skills = tuple(skills)
        self.fallback = fallback
        self.minimum = minimum

    def ranked(self, request: R) -> list[Match[R]]:
        """Every skill that claimed ``request``, best first (ties by name)."""
        out: list[Match[R]] = []
        for skill in self.skills:
            scored = skill.score(request)
            if scored is not None:
                if not 0.0 <= scored.score <= 1.0:
                    raise ValueError(f"skill {skill.name} scored {scored.score} (not in 0..1)")
                out.append(Match(skill, scored.score, scored.params))
        out.sort(key=lambda m: (-m.score, m.skill.name))
        return out

    def match(self, request: R) -> Match[R]:
        """The best skill for ``request``, or the fallback below ``minimum``."""
        ranked = self.ranked(request)
        if ranked and ranked[0].score >= self.minimum:
            return ranked[0]
        scored = self.fallback.score(request)
        return Match(self.fallback, 0.0, scored.params if scored is not None else None)

    def capabilities(self) -> list[str]:
        """The help lines of the registered skills, in order."""
        return [s.capability for s in self.skills if s.capability]

    @property
    def tools(self) -> frozenset[str]:
        """Every tool some skill may call."""
        return frozenset(t for s in (*self.skills, self.fallback) for t in s.tools)
