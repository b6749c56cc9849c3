"""Findings on journals where the pattern is planted."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from aicoach.journal.analytics.patterns import Finding, Tone, find_patterns
from aicoach.kit.clock import NEW_YORK
from tests.journal.journals import planted

MONDAY = date(2025, 3, 3)


def ny(day: int, hour: int = 10, minute: int = 5) -> datetime:
    """``day`` trading days (Mon–Fri) after Monday 2025-03-03, at New York ``hour:minute``."""
    d = MONDAY + timedelta(days=day // 5 * 7 + day % 5)
    return datetime.combine(d, time(hour, minute), NEW_YORK)


def kinds(found: tuple[Finding, ...], kind: str) -> list[Finding]:
    return [f for f in found if f.kind == kind]


def one(found: tuple[Finding, ...], kind: str) -> Finding:
    (f,) = kinds(found, kind)
    return f


def test_best_and_worst_hour_and_weekday() -> None:
    trades = [{"opened": ny(5 * i, 10), "net": 100.0} for i in range(12)]  # Mondays 10:05
    trades += [{"opened": ny(5 * i + 4, 15), "net": -80.0} for i in range(12)]  # Fridays 15:05
    trades += [{"opened": ny(5 * i + 2, 12), "net": 5.0} for i in range(4)]
    found = find_patterns(planted(trades))
    best, worst = one(found, "best_hour"), one(found, "worst_hour")
    assert best.sentence == (
        "Your best entry hour is 10:00–11:00 New York: +$100 per trade over 12 trades (won 100%)."
    )
    assert best.numbers["per_trade"] == 100.0 and best.n == 12 and not best.caution
    assert best.tone is Tone.STRENGTH and worst.tone is Tone.WEAKNESS
    assert "15:00–16:00" in worst.sentence and "−$80 per trade" in worst.sentence
    assert one(found, "best_weekday").numbers["weekday"] == "Monday"
    assert one(found, "worst_weekday").numbers["weekday"] == "Friday"


def test_strategies_and_setups_ranked_by_r_when_every_trade_has_one() -> None:
    trades = [
        {
            "opened": ny(i),
            "net": -50.0,
            "r": -0.5,
            "risk": 100.0,
            "strategy": "iron_condor",
            "tags": ("fomo",),
        }
        for i in range(10)
    ]
    trades += [
        {
            "opened": ny(i, 11),
            "net": 150.0,
            "r": 1.5,
            "risk": 100.0,
            "strategy": "long_call",
            "tags": ("plan",),
        }
        for i in range(10)
    ]
    found = find_patterns(planted(trades))
    worst = one(found, "worst_strategy")
    assert worst.sentence.startswith("Your worst strategy is iron condor: −0.5R on average")
    assert worst.numbers["mean_r"] == -0.5
    assert one(found, "best_setup").numbers["setup"] == "“plan”"
    assert one(found, "worst_setup").sentence.startswith("Your worst setup is “fomo”: −0.5R")


def test_holding_losers_longer_than_winners() -> None:
    trades = [{"opened": ny(i), "net": 40.0, "hold": 86400.0} for i in range(12)]
    trades += [{"opened": ny(i, 13), "net": -60.0, "hold": 3 * 86400.0} for i in range(11)]
    f = one(find_patterns(planted(trades)), "holding")
    assert f.tone is Tone.WEAKNESS and f.numbers["ratio"] == pytest.approx(3.0)
    assert f.sentence == (
        "You hold losing trades 3.0× as long as winners (median 3.0 days vs "
        "1.0 days; 11 losers, 12 winners)."
    )
    assert f.n == 23 and not f.caution


def test_size_after_a_loss_revenge() -> None:
    trades = []
    for i in range(24):  # alternate: loss, then a big trade; win, then a normal one
        lost = i % 2 == 0
        risk = 400.0 if i == 0 or trades[-1]["net"] > 0 else 1000.0  # type: ignore[operator]
        trades.append(
            {
                "opened": ny(i),
                "net": -100.0 if lost else 100.0,
                "risk": risk,
                "r": (-100.0 if lost else 100.0) / risk,
                "hold": 3600.0,
            }
        )
    f = one(find_patterns(planted(trades)), "size_after_loss")
    assert f.tone is Tone.WEAKNESS
    assert f.numbers["measure"] == "risk"
    assert f.numbers["mean_after_loss"] == 1000.0 and f.numbers["mean_after_win"] == 400.0
    assert "2.5× the size" in f.sentence and f.numbers["after_losses"] == 12


def test_more_trades_after_a_losing_day() -> None:
    trades: list[dict[str, object]] = []
    for d in range(0, 24, 2):
        trades.append({"opened": ny(d), "net": -200.0})  # one losing trade…
        trades += [{"opened": ny(d + 1, 10, m), "net": 10.0} for m in range(0, 50, 10)]  # …5 next
    found = find_patterns(planted(trades))
    f = one(found, "trades_after_loss_day")
    assert f.numbers["trades_per_day_after_loss"] == 5.0
    assert f.numbers["trades_per_day_after_win"] == 1.0 and f.tone is Tone.WEAKNESS
    assert f.sentence.startswith("On a day after a losing day you open 5.0× as many trades")


def test_busy_days_lose() -> None:
    trades: list[dict[str, object]] = []
    for d in range(20):
        busy = d % 5 == 4
        trades += [
            {"opened": ny(d, 10, 5 * m), "net": -30.0 if busy else 25.0}
            for m in range(8 if busy else 2)
        ]
    busy = one(find_patterns(planted(trades)), "busy_days")
    assert busy.numbers["busy_days"] == 4 and busy.numbers["min_trades"] == 4.0
    assert busy.sentence == (
        "On your 4 busiest days (≥ 4 trades) you made −$30 per trade vs +$25 on other days."
    )
    assert busy.n == 32 and busy.tone is Tone.WEAKNESS


def test_iv_rank_by_strategy() -> None:
    low = [
        {
            "opened": ny(i),
            "net": -40.0,
            "r": -0.4,
            "risk": 100.0,
            "ivr": 20.0,
            "strategy": "bull_put_spread",
        }
        for i in range(12)
    ]
    high = [
        {
            "opened": ny(i, 11),
            "net": 50.0,
            "r": 0.5,
            "risk": 100.0,
            "ivr": 60.0,
            "strategy": "bull_put_spread",
        }
        for i in range(12)
    ]
    found = kinds(find_patterns(planted(low + high)), "iv_rank")
    worst = next(f for f in found if f.tone is Tone.WEAKNESS)
    assert worst.sentence == (
        "Your bull put spreads entered with IV rank below 30 returned −0.4R on average (n=12)."
    )
    assert worst.numbers == {
        "strategy": "bull_put_spread",
        "iv_rank_bucket": "with IV rank below 30",
        "per_trade": -40.0,
        "mean_r": pytest.approx(-0.4),
        "n": 12,
    }


def test_level_context() -> None:
    ctx = "within 0.3 ATR under resistance"
    trades = [{"opened": ny(i), "net": -50.0 if i < 8 else 30.0, "level": ctx} for i in range(11)]
    trades += [{"opened": ny(i, 12), "net": 20.0, "level": "above support"} for i in range(4)]
    found = kinds(find_patterns(planted(trades)), "level")
    lost = next(f for f in found if f.tone is Tone.WEAKNESS)
    assert lost.sentence == "Entries within 0.3 ATR under resistance lost 8 of 11 (−$310 in total)."
    assert (lost.numbers["losses"], lost.n, lost.numbers["net_pnl"]) == (8, 11, -310.0)
    won = next(f for f in found if f.tone is Tone.STRENGTH)
    assert won.caution and won.sentence.endswith("(small sample).")


def test_small_samples_are_flagged_and_tiny_groups_never_ranked() -> None:
    trades = [{"opened": ny(i), "net": 100.0} for i in range(4)]
    trades += [{"opened": ny(i, 14), "net": -100.0} for i in range(4)]
    trades += [{"opened": ny(0, 16), "net": 9999.0}]  # one trade: not a group
    found = find_patterns(planted(trades))
    best = one(found, "best_hour")
    assert best.caution and best.sentence.endswith("(small sample).") and best.n == 4
    assert "16:00" not in " ".join(f.sentence for f in found if "hour" in f.kind)


def test_an_empty_journal_finds_nothing() -> None:
    assert find_patterns(planted([])) == ()
