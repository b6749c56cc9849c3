"""The neutral coach contract (``aicoach.coach``) on its own: how the skill registry picks a
skill (best score, ties by name, a minimum, the fallback), how outcomes parse into result
models, and a new slice's skill plugging into the offline coach without touching the chat."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from pydantic import BaseModel

from aicoach.chat.offline.answers import capabilities_text
from aicoach.chat.offline.coach import OfflineCoach
from aicoach.chat.offline.request import Request, read_request
from aicoach.chat.offline.skills import FALLBACK
from aicoach.chat.prompt import system_prompt
from aicoach.coach.skills import Call, Outcome, Scored, Skill, SkillRegistry, first
from aicoach.coach.tools import ToolError, ToolRegistry
from aicoach.config import Settings
from aicoach.llm.messages import ChatMessage, ToolSpec
from tests.chat.test_offline_turns import CAL, NOW, CannedTools, drive
from tests.helpers.coach import SKILLS, TOOLS


class Fixed(Skill[Request, str]):
    """Claims every request with a fixed score."""

    def __init__(self, name: str, score: float, capability: str = "") -> None:
        self.name = name
        self.capability = capability
        self._score = score

    def score(self, request: Request) -> Scored[str] | None:
        return Scored(self._score, self.name) if self._score >= 0 else None

    def compose(self, request: Request, params: str, done: Sequence[Outcome]) -> str:
        return f"answered by {params}"


def request(text: str = "anything") -> Request:
    return read_request(text, NOW, CAL)


def test_the_best_score_wins_ties_go_by_name_and_weak_claims_fall_back() -> None:
    reg = SkillRegistry([Fixed("b", 0.5), Fixed("a", 0.5), Fixed("c", 0.4)], fallback=FALLBACK)
    assert reg.match(request()).skill.name == "a"  # tie: the name, not the list order
    assert [m.skill.name for m in reg.ranked(request())] == ["a", "b", "c"]
    weak = SkillRegistry([Fixed("a", 0.2), Fixed("none", -1)], fallback=FALLBACK)
    assert weak.match(request()).skill is FALLBACK
    assert SkillRegistry([], fallback=FALLBACK).match(request()).skill is FALLBACK


def test_registry_refuses_duplicates_and_scores_outside_zero_to_one() -> None:
    with pytest.raises(ValueError, match="unique"):
        SkillRegistry([Fixed("a", 0.5), Fixed("a", 0.6)], fallback=FALLBACK)
    with pytest.raises(ValueError, match=r"not in 0\.\.1"):
        SkillRegistry([Fixed("a", 1.5)], fallback=FALLBACK).match(request())


class Weather(BaseModel):
    city: str
    celsius: float


def test_outcomes_parse_into_their_model_or_a_tool_error() -> None:
    good = Outcome("c1", "get_weather", {}, json.dumps({"city": "Oslo", "celsius": -3.5}))
    assert good.ok and good.result(Weather) == Weather(city="Oslo", celsius=-3.5)
    failed = Outcome("c2", "get_weather", {}, json.dumps({"error": "No such city."}))
    assert failed.error == "No such city." and failed.result(Weather) == ToolError(
        error="No such city."
    )
    plain = Outcome("c3", "get_weather", {}, "upstream timeout")
    assert plain.result(Weather) == ToolError(error="upstream timeout")
    wrong = Outcome("c4", "get_weather", {}, json.dumps({"town": "Oslo"}))
    assert wrong.ok and wrong.result(Weather) == ToolError(
        error="the get_weather result could not be read"
    )
    assert first([good, failed], "get_weather") is good and first([good], "x") is None


class WeatherSkill(Skill[Request, str]):
    """A new slice's skill: one tool, a typed answer."""

    name = "weather"
    capability = '**Weather** — "weather in Oslo"'
    tools = ("get_weather",)

    def score(self, request: Request) -> Scored[str] | None:
        return Scored(0.7, "Oslo") if request.has(r"\bweather\b") else None

    def plan(self, request: Request, params: str, done: Sequence[Outcome]) -> list[Call]:
        return [] if done else [Call("get_weather", {"city": params})]

    def compose(self, request: Request, params: str, done: Sequence[Outcome]) -> str:
        o = first(done, "get_weather")
        w = o.result(Weather) if o is not None else ToolError(error="not offered")
        if isinstance(w, ToolError):
            return f"No weather: {w.error}"
        return f"It is {w.celsius:.1f} °C in {w.city}."


async def test_a_new_skill_plugs_in_without_touching_the_chat() -> None:
    skills = SkillRegistry([*SKILLS, WeatherSkill()], fallback=FALLBACK)
    coach = OfflineCoach(skills, lambda: NOW, CAL)
    tools = CannedTools(raw={"get_weather": json.dumps({"city": "Oslo", "celsius": -3.5})})
    specs = [ToolSpec("get_weather", "The weather.")]
    run = await drive(coach, [ChatMessage.user("what's the weather like")], tools, specs)
    assert run.calls == [("get_weather", {"city": "Oslo"})]
    assert run.answer == "It is -3.5 °C in Oslo."
    hello = await drive(coach, [ChatMessage.user("hi")], tools, specs)
    assert '**Weather** — "weather in Oslo"' in hello.answer  # the help text is generated


def test_help_text_and_system_prompt_come_from_the_registries() -> None:
    text = capabilities_text([s.capability for s in SKILLS if s.capability])
    assert text.count("\n- **") == len([s for s in SKILLS if s.capability])
    tools = ToolRegistry.of(TOOLS, timeout_seconds=Settings().chat_tool_timeout_seconds)
    prompt = system_prompt(
        now=datetime(2026, 11, 25, 20, tzinfo=UTC), phase="regular", source="simulated",
        tools=tools.names,
    )  # fmt: skip
    assert "Available tools: " + ", ".join(tools.names) + "." in prompt
    for name in tools.names:
        assert tools.phrase(name, {"symbol": "spy"}) != "Running " + name.replace("_", " "), (
            f"{name} declares no progress phrase"
        )
