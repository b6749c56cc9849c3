from __future__ import annotations

import pytest

from aicoach.kit.words import count


@pytest.mark.parametrize(
    ("n", "kwargs", "text"),
    [
        (1, {}, "1 day"),
        (0.6, {}, "1 day"),  # printed as 1: singular
        (0, {}, "0 days"),
        (2, {}, "2 days"),
        (1.0, {"decimals": 1}, "1.0 days"),
        (1500, {}, "1,500 days"),
        (1, {"plural": "entries"}, "1 day"),
    ],
)
def test_count_is_singular_exactly_when_it_reads_one(n: float, kwargs: dict, text: str) -> None:
    assert count(n, "day", **kwargs) == text


def test_count_takes_an_irregular_plural() -> None:
    assert count(3, "entry", plural="entries") == "3 entries"
