"""MAE/MFE along bars: stock legs exact, option legs re-priced by BSM at entry IV (modelled)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, time

import numpy as np

from aicoach.journal.analytics.excursions import EXACT, MODELLED, bar_spans, excursions
from aicoach.journal.core.roundtrips import build_trades
from aicoach.journal.core.trades import Trade
from aicoach.kit.clock import NEW_YORK
from aicoach.marketdata.models import BarSeries, DataSource, Timeframe
from aicoach.options.core.expiry import SECONDS_PER_YEAR
from aicoach.options.core.pricing import bsm_price
from tests.journal.factory import APR, acct, at, call, ex, stock


def bars(
    rows: list[tuple[float, float, float, float]], first: float = -5, tf: Timeframe = Timeframe.M5
) -> BarSeries:
    """5-minute bars starting ``first`` minutes from T0 (UTC)."""
    t0 = np.datetime64(at(first).replace(tzinfo=None), "ns")
    times = t0 + np.arange(len(rows)) * np.timedelta64(5, "m")
    o, h, lo, c = (np.array(col, dtype=np.float64) for col in zip(*rows, strict=True))
    return BarSeries(
        "SPY",
        tf,
        times,
        o,
        h,
        lo,
        c,
        np.ones(len(rows)),
        DataSource.SIMULATED,
        datetime(2025, 3, 4, tzinfo=UTC),
    )


PATH = [
    (100, 200, 1, 100),  # before the entry: never counted
    (100, 101, 99, 100),
    (100, 108, 100, 107),
    (107, 107, 95, 96),
    (96, 300, 1, 96),  # after the exit
]


def one(*rows: object) -> Trade:
    (t,) = build_trades(acct(*rows)).trades  # type: ignore[arg-type]
    return t


def test_stock_is_exact_from_the_bars() -> None:
    t = one(ex(stock(), 100, "100", at(0)), ex(stock(), -100, "96", at(14)))
    e = excursions(t, bars(PATH), entry_iv={}, rate=0.04)
    assert e.method == EXACT and e.n_bars == 3
    assert math.isclose(e.mae, -500.0) and math.isclose(e.mfe, 800.0)  # 95 and 108 on 100 sh
    assert e.mae_at == at(10) and e.mfe_at == at(5)
    assert e.mae_r is None  # stock: no planned risk


def test_partial_close_changes_what_is_at_risk() -> None:
    # 200 sh at 100; 100 sold at 101 at the start of the second bar (t+5): then 100 sh left,
    # with +100 realized. High 108 → 100 + 800 = 900; low 95 → 100 − 500 = −400.
    t = one(
        ex(stock(), 200, "100", at(0)),
        ex(stock(), -100, "101", at(5)),
        ex(stock(), -100, "96", at(14)),
    )
    e = excursions(t, bars(PATH), entry_iv={}, rate=0.04)
    assert math.isclose(e.mfe, 900.0) and math.isclose(e.mae, -400.0)
    # in the first bar all 200 sh were held: low 99 → −200 (not the worst)


def test_long_call_is_modelled_with_bsm_at_entry_iv() -> None:
    c = call(100)
    t = one(ex(c, 2, "3.10", at(0), comm="1.30"), ex(c, -2, "2.00", at(14), comm="1.30"))
    iv = {c.key: 0.25}
    e = excursions(t, bars(PATH), entry_iv=iv, rate=0.04, dividend_yield=0.01)
    assert e.method == MODELLED
    # slow reference: every bar and point, scalar BSM
    expiry = datetime.combine(APR, time(16), NEW_YORK).timestamp()
    path = []
    for k, row in enumerate(PATH[1:4]):
        tau = max(at(-5 + 5 * (k + 1)).timestamp(), at(0).timestamp())
        for s in row:
            v = float(
                bsm_price(True, s, 100.0, (expiry - tau) / SECONDS_PER_YEAR, 0.04, 0.01, 0.25)
            )
            path.append(-620.0 - 1.30 + 2 * 100 * v)
    assert math.isclose(e.mae, min(min(path), 0.0), rel_tol=1e-12)
    assert math.isclose(e.mfe, max(max(path), 0.0), rel_tol=1e-12)
    assert e.mae_r is not None and math.isclose(e.mae_r, e.mae / 620.0)  # risk = the debit


def test_missing_iv_and_missing_bars_are_reasons_not_numbers() -> None:
    c = call(100)
    t = one(ex(c, 1, "3", at(0)), ex(c, -1, "2", at(14)))
    assert excursions(t, bars(PATH), entry_iv={}, rate=0.04).reason.startswith("no entry IV")  # type: ignore[union-attr]
    late = bars(PATH, first=600)
    e = excursions(t, late, entry_iv={c.key: 0.2}, rate=0.04)
    assert e.mae is None and e.reason == "no bars during the trade"


def test_daily_bars_span_the_new_york_session() -> None:
    b = bars([(1, 1, 1, 1)] * 2, tf=Timeframe.D1)
    b = BarSeries(
        "SPY",
        Timeframe.D1,
        np.array(["2025-03-03", "2025-07-01"], dtype="datetime64[ns]"),
        b.open,
        b.high,
        b.low,
        b.close,
        b.volume,
        b.source,
        b.as_of,
    )
    start, end = bar_spans(b)
    assert datetime.fromtimestamp(start[0], UTC).hour == 14  # 09:30 EST
    assert datetime.fromtimestamp(start[1], UTC).hour == 13  # 09:30 EDT
    assert end[1] - start[1] == 6.5 * 3600
