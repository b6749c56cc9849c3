"""Swing detection, zone clustering/strength and level-test tracking on small hand-made series
whose answers are worked out in the comments."""

from __future__ import annotations

import numpy as np
import pytest

from aicoach.levels.core.zones import (
    cluster_sorted,
    combine_strengths,
    level_tests,
    swing_highs,
    swing_lows,
    swing_zones,
)


def test_swing_highs_and_lows() -> None:
    h = np.array([1, 2, 3, 5, 3, 2, 1, 2, 3, 4, 3, 2, 1], dtype=float)
    # 5 at index 3 and 4 at index 9 dominate two bars either side.
    np.testing.assert_array_equal(swing_highs(h, 2, 2), [3, 9])
    # The 1 at index 6 is the only low with two higher bars each side (0 and 12 lack a window).
    np.testing.assert_array_equal(swing_lows(h, 2, 2), [6])
    # A flat double top is one swing point, the first bar of the top.
    np.testing.assert_array_equal(swing_highs(np.array([1, 2, 5, 5, 2, 1.0]), 2, 2), [2])
    # Too short for one window.
    assert swing_highs(np.array([1.0, 2.0]), 2, 2).size == 0
    with pytest.raises(ValueError, match="left"):
        swing_highs(h, 0, 2)


def test_cluster_never_spans_more_than_tolerance() -> None:
    prices = np.array([20.0, 10.2, 10.0, 11.0, 10.5])
    clusters = cluster_sorted(prices, 0.5)
    # 10.0, 10.2, 10.5 (span 0.5) | 11.0 (0.5 from 10.5 but 1.0 from 10.0) | 20.0
    assert [prices[c].tolist() for c in clusters] == [[10.0, 10.2, 10.5], [11.0], [20.0]]
    assert cluster_sorted(np.zeros(0), 1.0) == []


def test_zone_strength_formula_by_hand() -> None:
    h = np.array([1, 2, 3, 10, 3, 2, 1, 2, 3, 10.1, 3, 2, 1])
    lo = h - 0.5
    v = np.ones(13)
    v[3] = 3.0
    zones = swing_zones(h, lo, v, tolerance=0.5, left=2, right=2, half_life_bars=20.0)
    # Swing low 0.5 at bar 6 is its own zone; the highs 10.0 (bar 3) and 10.1 (bar 9) merge.
    assert [z.touches for z in zones] == [1, 2]
    top = zones[1]
    assert (top.low, top.high, top.swing_highs, top.swing_lows) == (10.0, 10.1, 2, 0)
    assert top.price == pytest.approx((3 * 10.0 + 1 * 10.1) / 4)  # volume-weighted
    assert (top.last_index, top.bars_since) == (9, 3)
    mean_v = 15 / 13
    touches_score = 1 - 0.5**2
    recency_score = 0.5 ** (3 / 20)
    volume_score = min(1.0, ((3 / mean_v + 1 / mean_v) / 2) / 2)
    expected = 100 * (0.5 * touches_score + 0.3 * recency_score + 0.2 * volume_score)
    assert top.strength == pytest.approx(expected, abs=1e-12)
    low_zone = zones[0]
    assert low_zone.price == 0.5
    assert low_zone.bars_since == 6
    assert 0 <= low_zone.strength < top.strength <= 100


def test_combine_strengths() -> None:
    assert combine_strengths([50, 50]) == pytest.approx(75.0)
    assert combine_strengths([100, 10]) == pytest.approx(100.0)
    assert combine_strengths([]) == 0.0
    assert combine_strengths([40, 30, 20]) >= 40


# Bars (high, low) against level 100 with tolerance 0.1; "side" is where the bar lies.
BARS = [
    (101.5, 101.0),  # 0 above
    (101.0, 100.05),  # 1 touch (100.05 − 0.1 <= 100)            run A, approached from above
    (101.2, 100.5),  # 2 above                                    → A held
    (100.6, 99.95),  # 3 touch                                    run B from above
    (100.3, 99.8),  # 4 touch
    (99.7, 99.2),  # 5 below (99.7 + 0.1 < 100)                  → B broke
    (99.5, 99.0),  # 6 below
    (99.95, 99.5),  # 7 touch                                     run C from below
    (99.8, 99.4),  # 8 below                                      → C held
    (101.0, 100.5),  # 9 above: gapped across without touching    → gap, broke
    (100.2, 99.9),  # 10 touch, still running at the last bar     → touch only
]


def test_level_tests_known_answers() -> None:
    high = np.array([b[0] for b in BARS])
    low = np.array([b[1] for b in BARS])
    got = level_tests([100.0, 105.0, 99.0], high, low, 0.1, reference=101.2)
    # 100: runs A, B, C, the gap and the open run = 5 touches; A and C held; B and the gap broke.
    # 105: never reached. 99: only bar 6 (low 99.0) touches; bar 7 is back above → held.
    np.testing.assert_array_equal(got.touches, [5, 0, 1])
    np.testing.assert_array_equal(got.held, [2, 0, 1])
    np.testing.assert_array_equal(got.broke, [2, 0, 0])
    np.testing.assert_array_equal(got.last_index, [10, -1, 6])


def test_level_tests_reference_side_and_opening_gap() -> None:
    high = np.array([101.0, 101.5])
    low = np.array([100.5, 101.0])
    # Prior close 99 below the level, first bar wholly above: a gap through it = one break.
    got = level_tests([100.0], high, low, 0.1, reference=99.0)
    assert (got.touches[0], got.held[0], got.broke[0], got.last_index[0]) == (1, 0, 1, 0)
    # Default reference is the first open; here the open is above, so nothing happened.
    got = level_tests([100.0], high, low, 0.1, open_=np.array([100.8, 101.2]))
    assert (got.touches[0], got.broke[0], got.last_index[0]) == (0, 0, -1)


def test_moving_level_per_bar() -> None:
    high = np.array([10.0, 11.0, 12.0, 13.0])
    low = high - 1.0
    mid = (high + low) / 2
    # A level riding inside every bar is one test still in progress; one far above never touches;
    # a NaN level (VWAP before volume) touches nothing.
    path = np.vstack([mid, mid + 50, np.full(4, np.nan)])
    got = level_tests(path, high, low, 0.01, reference=9.5)
    np.testing.assert_array_equal(got.touches, [1, 0, 0])
    np.testing.assert_array_equal(got.held + got.broke, [0, 0, 0])


def test_per_level_tolerance_and_empty_inputs() -> None:
    high, low = np.array([100.0]), np.array([99.0])
    got = level_tests([100.5, 100.5], high, low, [0.4, 0.6], reference=99.5)
    np.testing.assert_array_equal(got.touches, [0, 1])
    empty = level_tests([1.0, 2.0], np.zeros(0), np.zeros(0), 0.1)
    np.testing.assert_array_equal(empty.last_index, [-1, -1])
