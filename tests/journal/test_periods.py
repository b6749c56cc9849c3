"""Past periods in trader speak → New York date ranges (the table in journal.periods), on
Wed 2026-11-25."""

from __future__ import annotations

from datetime import date

import pytest

from aicoach.journal.periods import parse_period

TODAY = date(2026, 11, 25)
CASES = [
    ("how did i do today", "2026-11-25", "2026-11-25"),
    ("yesterday's trades", "2026-11-24", "2026-11-24"),
    ("this week", "2026-11-23", "2026-11-25"),
    ("last week", "2026-11-16", "2026-11-22"),
    ("mtd", "2026-11-01", "2026-11-25"),
    ("how did i do last month", "2026-10-01", "2026-10-31"),
    ("previous quarter", "2026-07-01", "2026-09-30"),
    ("this quarter", "2026-10-01", "2026-11-25"),
    ("ytd", "2026-01-01", "2026-11-25"),
    ("last year", "2025-01-01", "2025-12-31"),
    ("the last 10 days", "2026-11-16", "2026-11-25"),
    ("past two weeks", "2026-11-12", "2026-11-25"),
    ("the past week", "2026-11-19", "2026-11-25"),
    ("last 3 months", "2026-08-26", "2026-11-25"),
    ("in october", "2026-10-01", "2026-10-31"),
    ("trades in november", "2026-11-01", "2026-11-25"),
    ("during december", "2025-12-01", "2025-12-31"),
    ("in may", "2026-05-01", "2026-05-31"),
    ("march 2024", "2024-03-01", "2024-03-31"),
    ("in 2025", "2025-01-01", "2025-12-31"),
    ("since oct 14", "2026-10-14", "2026-11-25"),
    ("since february", "2026-02-01", "2026-11-25"),
]


@pytest.mark.parametrize(("words", "start", "end"), CASES, ids=[c[0] for c in CASES])
def test_period(words: str, start: str, end: str) -> None:
    span = parse_period(words, TODAY)
    assert span is not None
    assert (span.start, span.end) == (date.fromisoformat(start), date.fromisoformat(end))


@pytest.mark.parametrize("words", ["may i ask something", "show my trades", "march higher",
                                   "spy chain next friday"])  # fmt: skip
def test_no_period(words: str) -> None:
    assert parse_period(words, TODAY) is None
