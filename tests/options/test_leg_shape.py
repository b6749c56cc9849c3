"""The one rule both leg schemas (analyze, positions) apply: stock has neither strike nor
expiration, an option needs both — and the message names the field to fix."""

from __future__ import annotations

from datetime import date

import pytest

from aicoach.options.core.legs import leg_shape_problem

EXP = date(2026, 12, 18)


@pytest.mark.parametrize(
    ("is_stock", "strike", "expiration", "problem"),
    [
        (True, None, None, None),
        (True, 600.0, None, "strike: a stock leg has no strike"),
        (True, None, EXP, "expiration: a stock leg has no expiration"),
        (False, 600.0, EXP, None),
        (False, None, EXP, "strike: an option leg needs a strike"),
        (False, 600.0, None, "expiration: an option leg needs an expiration"),
        (False, None, None, "strike: an option leg needs a strike"),
    ],
)
def test_leg_shape(
    is_stock: bool, strike: float | None, expiration: date | None, problem: str | None
) -> None:
    assert leg_shape_problem(is_stock, strike, expiration) == problem
