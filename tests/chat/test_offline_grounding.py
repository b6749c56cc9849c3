"""The grounding checker: every number (and date and time) an answer states must come from the
turn's tool results. Unit tests of the checker itself (it must catch inventions, not only pass
good answers), and the offline coach's no-digit guarantees for answers that use no tool."""

from __future__ import annotations

import json

import pytest

from aicoach.chat.offline import glossary
from aicoach.chat.offline.answers import ADVICE_NOTE, LIMITS, UNAVAILABLE
from aicoach.chat.offline.grounding import collect_evidence, has_digits, ungrounded
from aicoach.chat.offline.skills import NOT_YET
from aicoach.levels.skills import LEVELS_NOTE
from tests.chat.test_offline_turns import CAPABILITIES, SKILLS, ask

RESULT = {
    "symbol": "SPY",
    "price": 685.1234,
    "iv": 0.1834,
    "distance_percent": -0.41,
    "delta_dollars": -1234.5,
    "label": "SMA 50",
    "phrase": "losing $38 a day to theta",
    "expiration": "2026-12-04",
    "close": "2026-11-25T21:00:00+00:00",
    "contract": "SPY261204C00685000",
    "nested": {"rows": [{"strike": 680.0}, {"strike": 690.0}]},
}


def bad(answer: str) -> list[str]:
    return [u.token for u in ungrounded(answer, [json.dumps(RESULT)])]


@pytest.mark.parametrize(
    "answer",
    [
        "SPY is at $685.12.",
        "SPY is at 685.1 or roughly 685.",
        "IV 18.3% and 18.34%.",
        "Support is 0.41% below.",
        "Net delta -$1,234.50 (a loss of $1,234.50).",
        "The SMA 50 sits there; losing $38 a day.",
        "Expires Fri Dec 4, also written Dec 4th, 2026 or 2026-12-04.",
        "The market closes at 4:00 pm ET (16:00).",
        "Strikes 680 to 690.",
        "Classic daily R1 and the SPY261204C00685000 contract.",
        "No numbers here at all.",
    ],
)
def test_grounded_answers_pass(answer: str) -> None:
    assert bad(answer) == []


@pytest.mark.parametrize(
    ("answer", "token"),
    [
        ("SPY is at $685.13.", "$685.13"),  # rounding 685.1234 to cents gives 685.12
        ("SPY will hit $700.", "$700"),
        ("IV 19%", "19%"),
        ("Both strikes add up to 1370.", "1370"),  # derived numbers are not grounded
        ("Expires Dec 5.", "Dec 5"),
        ("Expires 2026-12-05.", "2026-12-05"),
        ("The market closes at 3:00 pm ET.", "3:00 pm"),
        ("You have 3 positions.", "3"),
        ("Expires Dec 4, 2027.", "Dec 4, 2027"),
    ],
)
def test_inventions_are_caught(answer: str, token: str) -> None:
    assert token in bad(answer)


def test_evidence_reads_strings_but_not_glued_digits() -> None:
    ev = collect_evidence([RESULT])
    assert ev.has_number(50, 0) and ev.has_number(38, 0)
    assert not ev.has_number(261204, 0), "digits glued to letters are not numbers"
    assert (16, 0) in ev.times
    assert not ev.has_number(2026, 0), "ISO dates are dates, not numbers"


def test_plain_text_results_are_evidence_too() -> None:
    assert ungrounded("I couldn't get that: rate limit, retry in 30 s", ["retry in 30 s"]) == []


def test_glossary_and_fixed_texts_have_no_digits() -> None:
    for entry in glossary.ENTRIES.values():
        assert not has_digits(entry.title + entry.body), entry.title
    fixed = [CAPABILITIES, LIMITS, LEVELS_NOTE, ADVICE_NOTE, UNAVAILABLE]
    fixed += [s.capability for s in SKILLS.skills] + [m.answer for m in NOT_YET]
    for text in fixed:
        assert not has_digits(text), text


def test_every_glossary_alias_finds_its_entry() -> None:
    for key, entry in glossary.ENTRIES.items():
        for alias in entry.aliases:
            found = glossary.lookup(f"what is {alias}?")
            assert found is not None
            assert alias in glossary.ENTRIES[found].aliases or len(found) >= len(alias), (
                key, alias, found)  # fmt: skip


async def test_a_tampered_coach_answer_is_caught() -> None:
    run = await ask("where are spy's levels")
    assert ungrounded(run.answer, run.results) == []
    tampered = run.answer + " I expect a bounce to $699.50 by Friday."
    assert [u.token for u in ungrounded(tampered, run.results)] == ["$699.50"]
