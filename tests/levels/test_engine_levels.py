"""The key-levels engine end to end on synthetic daily + 1-minute bars with known structure."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from aicoach.levels.core.engine import (
    LevelInputs,
    LevelOptions,
    compute_key_levels,
    compute_levels_many,
)
from aicoach.levels.core.indicators import atr
from aicoach.levels.core.models import GROUPS, LevelKind, SessionWindows
from aicoach.levels.core.pivots import PivotMethod, pivot_levels
from aicoach.marketdata.models import BarSeries, DataSource, Timeframe

# Monday 2024-06-10, New York on EDT (UTC−4): 04:00 ET = 08:00Z, 09:30 ET = 13:30Z.
TODAY = np.datetime64("2024-06-10", "D")
SESSION = SessionWindows(
    premarket_start=datetime(2024, 6, 10, 8, 0, tzinfo=UTC),
    regular_open=datetime(2024, 6, 10, 13, 30, tzinfo=UTC),
    regular_close=datetime(2024, 6, 10, 20, 0, tzinfo=UTC),
)
NOW = datetime(2024, 6, 10, 15, 0, tzinfo=UTC)  # 11:00 ET, 90 minutes into the session
AS_OF = datetime(2024, 6, 10, 15, 0, tzinfo=UTC)


def make_daily(seed: int = 5, symbol: str = "TEST") -> BarSeries:
    days = np.arange(TODAY - 420, TODAY + 1, dtype="datetime64[D]")
    days = days[np.is_busday(days)]  # weekdays only, ending with today's (partial) bar
    n = days.size
    rng = np.random.default_rng(seed)
    close = 100 + np.cumsum(rng.normal(0, 1.2, n))
    open_ = close + rng.normal(0, 0.4, n)
    high = np.maximum(open_, close) + rng.uniform(0.2, 1.5, n)
    low = np.minimum(open_, close) - rng.uniform(0.2, 1.5, n)
    # Friday 2024-06-07 makes the prior week's high, closing a dollar under it.
    fri = int(np.flatnonzero(days == np.datetime64("2024-06-07"))[0])
    week = slice(fri - 4, fri + 1)
    high[fri] = high[week].max() + 1.0
    close[fri] = high[fri] - 1.0
    low[fri] = min(low[fri], close[fri] - 0.5)
    # Today's partial bar carries absurd values that must never surface.
    high[-1], low[-1], close[-1], open_[-1] = 1e6, -1e6, 5e5, 5e5
    volume = rng.uniform(1e6, 3e6, n)
    return BarSeries(
        symbol, Timeframe.D1, days.astype("datetime64[ns]"), open_, high, low, close, volume,
        DataSource.SIMULATED, AS_OF,
    )  # fmt: skip


def make_intraday(daily: BarSeries) -> BarSeries:
    pdh, pdc = float(daily.high[-2]), float(daily.close[-2])
    start = np.datetime64("2024-06-07T19:00", "m")  # includes Friday's last hour: must be ignored
    minutes = np.arange(start, np.datetime64("2024-06-10T23:59", "m"), dtype="datetime64[m]")
    t_open = np.datetime64("2024-06-10T13:30", "m")
    k = (minutes - t_open).astype(np.int64)  # minutes since the open
    wiggle = 0.2 * np.sin(np.arange(minutes.size) / 7.0)
    mid = np.where(
        k < 0,
        pdc + wiggle,  # pre-market (and Friday) around the prior close
        np.where(k < 60, pdc + (pdh + 3.0 - pdc) * k / 60.0, pdh + 3.0 + wiggle),
    )
    mid = np.where(minutes >= np.datetime64("2024-06-10T15:00", "m"), 10 * pdh, mid)  # future
    high, low = mid + 0.05, mid - 0.05
    close = mid + 0.01
    open_ = mid - 0.01
    volume = 1000.0 + 500.0 * (1 + np.cos(np.arange(minutes.size) / 11.0))
    return BarSeries(
        daily.symbol, Timeframe.M1, minutes.astype("datetime64[ns]"), open_, high, low, close,
        volume, DataSource.SIMULATED, AS_OF,
    )  # fmt: skip


@pytest.fixture(scope="module")
def bars() -> tuple[BarSeries, BarSeries]:
    daily = make_daily()
    return daily, make_intraday(daily)


def _price(intraday: BarSeries) -> float:
    i = int(np.searchsorted(intraday.time, np.datetime64("2024-06-10T15:00", "ns"))) - 1
    return float(intraday.close[i])


def _find(kl, label: str):  # type: ignore[no-untyped-def]
    hits = [lv for lv in kl.all_levels() if lv.label == label]
    assert len(hits) == 1, label
    return hits[0]


def test_end_to_end(bars: tuple[BarSeries, BarSeries]) -> None:
    daily, intraday = bars
    price = _price(intraday)
    kl = compute_key_levels(daily, intraday, SESSION, price, NOW)
    levels = kl.all_levels()
    assert set(kl.groups) == set(GROUPS)
    assert all(math.isfinite(lv.price) for lv in levels)
    assert max(lv.price for lv in levels) < 1e5  # neither today's daily bar nor future 1m bars

    # Nearest support is the closest level strictly below, resistance the closest above.
    below = [lv.price for lv in levels if lv.price < price]
    above = [lv.price for lv in levels if lv.price > price]
    assert kl.nearest_support is not None
    assert kl.nearest_resistance is not None
    assert (
        kl.nearest_support.price == max(below) < price < kl.nearest_resistance.price == min(above)
    )

    # ATR and distances.
    hist = daily.slice(0, len(daily) - 1)
    expected_atr = float(atr(hist.high, hist.low, hist.close, 14)[-1])
    assert kl.atr_daily == pytest.approx(expected_atr, abs=1e-12)
    assert kl.tolerance == pytest.approx(0.1 * expected_atr)
    for lv in levels:
        assert lv.distance_dollars == pytest.approx(lv.price - price, abs=1e-12)
        assert lv.distance_percent == pytest.approx(100 * (lv.price - price) / price)
        assert lv.distance_atr == pytest.approx((lv.price - price) / expected_atr)
        assert 0.0 <= lv.strength <= 100.0
        assert (lv.distance_dollars < 0) == (lv.price < price)

    # Prior periods come from the completed sessions only.
    pdh = _find(kl, "Prior day high")
    assert pdh.price == daily.high[-2]
    assert pdh.kind is LevelKind.PRIOR_DAY_HIGH
    assert _find(kl, "Prior day low").price == daily.low[-2]
    assert _find(kl, "Prior day close").price == daily.close[-2]
    assert _find(kl, "Prior week high").price == daily.high[-2]  # Friday made the week's high
    # Pivots equal the formula applied to the prior day.
    classic = pivot_levels(PivotMethod.CLASSIC, daily.high[-2], daily.low[-2], daily.close[-2])
    for name, value in classic.items():
        assert _find(kl, f"Classic daily {name}").price == pytest.approx(float(value))

    # Pre-market range and opening ranges from the 1m bars, by direct slicing.
    t = intraday.time
    pre = (t >= np.datetime64("2024-06-10T08:00")) & (t < np.datetime64("2024-06-10T13:30"))
    assert _find(kl, "Pre-market high").price == intraday.high[pre].max()
    assert _find(kl, "Pre-market low").price == intraday.low[pre].min()
    for m in (5, 15, 30):
        end = np.datetime64("2024-06-10T13:30") + np.timedelta64(m, "m")
        rng = (t >= np.datetime64("2024-06-10T13:30")) & (t < end)
        assert _find(kl, f"{m}m opening range high").price == intraday.high[rng].max()
        assert _find(kl, f"{m}m opening range low").price == intraday.low[rng].min()

    # VWAP over the regular session up to now, computed directly.
    reg = (t >= np.datetime64("2024-06-10T13:30")) & (t < np.datetime64("2024-06-10T15:00"))
    tp = (intraday.high[reg] + intraday.low[reg] + intraday.close[reg]) / 3
    v = intraday.volume[reg]
    vwap = float(np.sum(tp * v) / np.sum(v))
    assert kl.vwap is not None
    assert kl.vwap.vwap == pytest.approx(vwap, abs=1e-9)
    assert kl.vwap.anchored_at == SESSION.regular_open
    assert kl.vwap.sigma == pytest.approx(math.sqrt(np.sum(v * (tp - vwap) ** 2) / np.sum(v)))

    # Price rose through the prior day high once and stayed above: one test, broken.
    tests = pdh.tests_today
    assert (tests.touches, tests.held, tests.broke) == (1, 0, 1)
    assert tests.last_test_at is not None
    assert SESSION.regular_open < tests.last_test_at < NOW
    # The open bar's low is the prior close − 0.05, about 0.2 above the pre-market low (prior
    # close − 0.2 − 0.05): within tolerance, so one test at the open; price then climbs: held.
    assert kl.tolerance is not None
    assert kl.tolerance > 0.2
    pml = _find(kl, "Pre-market low").tests_today
    assert (pml.touches, pml.held, pml.broke) == (1, 1, 0)
    assert pml.last_test_at is not None
    assert pml.last_test_at < SESSION.regular_open + timedelta(minutes=5)
    # Prior day low sits far below everything traded today.
    assert _find(kl, "Prior day low").tests_today.touches == 0

    # Prior day high and prior week high coincide: one confluence level naming both.
    conf = [c for c in kl.groups["confluence"] if "Prior week high" in c.members]
    assert len(conf) == 1
    assert "Prior day high" in conf[0].members
    assert conf[0].kind is LevelKind.CONFLUENCE
    assert conf[0].strength >= max(_find(kl, m).strength for m in ("Prior week high",)) - 1e-9
    for c in kl.groups["confluence"]:
        member_prices = [_find(kl, m).price for m in c.members]
        assert max(member_prices) - min(member_prices) <= kl.tolerance + 1e-12
        assert min(member_prices) <= c.price <= max(member_prices)

    # JSON-safe: strict JSON encodes it, NaN/inf nowhere.
    data = kl.to_dict()
    text = json.dumps(data, allow_nan=False)
    assert "NaN" not in text
    assert "Infinity" not in text
    assert data["nearest_support"]["price"] == kl.nearest_support.price


def test_swing_zones_sorted_by_side(bars: tuple[BarSeries, BarSeries]) -> None:
    daily, intraday = bars
    price = _price(intraday)
    kl = compute_key_levels(daily, intraday, SESSION, price, NOW)
    swings = kl.groups["swing"]
    assert swings, "a year of random walk has swing points"
    for lv in swings:
        expected = LevelKind.SWING_SUPPORT if lv.price < price else LevelKind.SWING_RESISTANCE
        assert lv.kind is expected
    assert sum(lv.kind is LevelKind.SWING_SUPPORT for lv in swings) <= 3


def test_before_the_open_and_without_intraday(bars: tuple[BarSeries, BarSeries]) -> None:
    daily, intraday = bars
    early = datetime(2024, 6, 10, 12, 0, tzinfo=UTC)  # 08:00 ET
    kl = compute_key_levels(daily, intraday, SESSION, float(daily.close[-2]), early)
    assert kl.groups["opening_range"] == []
    assert kl.vwap is not None
    assert kl.vwap.anchored_at == SESSION.premarket_start
    assert _find(kl, "Pre-market VWAP").kind is LevelKind.VWAP
    t = intraday.time
    pre = (t >= np.datetime64("2024-06-10T08:00")) & (t < np.datetime64("2024-06-10T12:00"))
    assert _find(kl, "Pre-market high").price == intraday.high[pre].max()

    bare = compute_key_levels(daily, None, SESSION, float(daily.close[-2]), NOW)
    assert bare.vwap is None
    assert bare.atr_intraday is None
    assert bare.groups["premarket"] == []
    assert bare.groups["vwap"] == []
    assert bare.groups["prior_periods"]
    assert bare.groups["pivots"]
    json.dumps(bare.to_dict(), allow_nan=False)


def test_short_history_is_json_safe() -> None:
    daily = make_daily().slice(-4)  # three completed sessions: no ATR, no RSI, no swings
    kl = compute_key_levels(daily, None, SESSION, 100.0, NOW)
    assert kl.atr_daily is None
    assert kl.rsi_daily is None
    assert kl.tolerance == pytest.approx(0.1)  # 0.1 % of price when the ATR is unknown
    assert all(lv.distance_atr is None for lv in kl.all_levels())
    data = kl.to_dict()
    json.dumps(data, allow_nan=False)
    assert data["atr_daily"] is None


def test_options_and_validation(bars: tuple[BarSeries, BarSeries]) -> None:
    daily, intraday = bars
    opt = LevelOptions(
        opening_range_minutes=(5, 120),  # 120m is still forming at 11:00 ET
        pivot_methods=tuple(PivotMethod),
        moving_averages=(("ema", 9),),
    )
    kl = compute_key_levels(daily, intraday, SESSION, _price(intraday), NOW, options=opt)
    labels = {lv.label for lv in kl.all_levels()}
    assert "5m opening range high" in labels
    assert "120m opening range high" not in labels
    assert {"Camarilla daily R4", "Woodie weekly P", "Fibonacci monthly S3"} <= labels
    assert "9-day EMA" in labels
    with pytest.raises(ValueError, match="timezone-aware"):
        compute_key_levels(daily, intraday, SESSION, 100.0, NOW.replace(tzinfo=None))
    with pytest.raises(ValueError, match="premarket_start"):
        SessionWindows(SESSION.regular_close, SESSION.regular_open, SESSION.regular_close)


def test_many_equals_one_by_one() -> None:
    inputs = []
    for seed in range(4):
        daily = make_daily(seed, symbol=f"S{seed}")
        intraday = make_intraday(daily)
        inputs.append(LevelInputs(daily, intraday, SESSION, _price(intraday), NOW))
    inputs.append(LevelInputs(make_daily(9).slice(-30), None, SESSION, 100.0, NOW))
    many = compute_levels_many(inputs)
    for item, got in zip(inputs, many, strict=True):
        one = compute_key_levels(item.daily, item.intraday_1m, item.session, item.price, item.now)
        # The (symbols, days) batch agrees with one series at a time to rounding...
        if one.atr_daily is None:
            assert got.atr_daily is None
            assert got.rsi_daily is None
        else:
            assert got.atr_daily == pytest.approx(one.atr_daily, rel=1e-12)
            assert got.rsi_daily == pytest.approx(one.rsi_daily, rel=1e-12)
        # ...and given those same inputs everything else is identical.
        same = compute_key_levels(
            item.daily, item.intraday_1m, item.session, item.price, item.now,
            atr_daily=got.atr_daily, rsi_daily=got.rsi_daily,
        )  # fmt: skip
        assert got.to_dict() == same.to_dict()
    assert [k.symbol for k in many] == ["S0", "S1", "S2", "S3", "TEST"]


def test_as_of_is_utc() -> None:
    daily = make_daily()
    eastern = NOW.astimezone(__import__("zoneinfo").ZoneInfo("America/New_York"))
    kl = compute_key_levels(daily, None, SESSION, 100.0, eastern)
    assert kl.as_of == NOW
    assert kl.as_of.utcoffset() == timedelta(0)
