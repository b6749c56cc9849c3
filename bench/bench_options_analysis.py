"""Position analysis benchmarks: a 4-leg iron condor on a 200-price x 30-date P&L grid.

1. The grid alone: one broadcast BSM call over (4 legs x 30 dates x 200 prices) against the
   straightforward baseline, a Python loop over every (date, price) point calling the scalar
   textbook pricer :func:`aicoach.options.core.reference.price` for each leg. The baseline is timed
   on
   a 1-in-20 subsample of the points and scaled to the full grid (it is linear in the points);
   both sides are first checked to give the same P&L on the subsample.
2. The whole analysis (Greeks, exact expiry profile, PoP, grid, levels) as a latency figure.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np

from aicoach.options.core import reference
from aicoach.options.core.analysis import MarketInputs, PositionValuer, analyze_position
from aicoach.options.core.legs import Leg, LegKind
from bench.harness import Report, best_seconds

N_PRICES, N_DATES, SUBSAMPLE = 200, 30, 20


def _condor() -> tuple[list[Leg], MarketInputs]:
    exp = date(2025, 12, 19)
    c, p = LegKind.CALL, LegKind.PUT
    legs = [
        Leg(p, 1, 580, exp, 1.0, 0.22, "SPY"),
        Leg(p, -1, 585, exp, 1.6, 0.21, "SPY"),
        Leg(c, -1, 610, exp, 1.5, 0.18, "SPY"),
        Leg(c, 1, 615, exp, 0.9, 0.175, "SPY"),
    ]
    market = MarketInputs(spot=598.0, valuation_at=datetime(2025, 11, 20, 15, tzinfo=UTC),
                          r=0.04, q=0.013, time_to_expiry=[29 / 365] * 4)  # fmt: skip
    return legs, market


def _baseline(legs: list[Leg], r: float, q: float, prices: np.ndarray, t: np.ndarray,
              points: list[tuple[int, int]]) -> list[float]:  # fmt: skip
    out = []
    for d, j in points:
        total = 0.0
        for i, leg in enumerate(legs):
            assert leg.strike is not None
            assert leg.iv is not None
            s, tt = float(prices[j]), float(t[i, d])
            if tt > 0:
                value = reference.price(leg.kind is LegKind.CALL, s, leg.strike, tt, r, q, leg.iv)
            else:  # the textbook formula needs t > 0; at expiry the value is intrinsic
                value = max(s - leg.strike, 0.0) if leg.kind is LegKind.CALL else max(
                    leg.strike - s, 0.0)  # fmt: skip
            total += leg.units * (value - leg.entry_price)
        out.append(total)
    return out


def run(report: Report) -> None:
    legs, market = _condor()
    valuer = PositionValuer(legs, market)
    prices = np.linspace(540.0, 660.0, N_PRICES)
    t = valuer.t0[:, None] * np.linspace(1.0, 0.0, N_DATES)[None, :]  # (legs, dates)

    all_points = [(d, j) for d in range(N_DATES) for j in range(N_PRICES)]
    sample = all_points[::SUBSAMPLE]
    grid = valuer.pnl(prices, t)
    slow = _baseline(legs, market.r, market.q, prices, t, sample)
    fast = [float(grid[d, j]) for d, j in sample]
    worst = max(abs(a - b) for a, b in zip(fast, slow, strict=True))
    assert worst < 1e-8, f"grid and baseline disagree by {worst}"

    ours = best_seconds(lambda: valuer.pnl(prices, t), repeat=7, number=5)
    base_sample = best_seconds(
        lambda: _baseline(legs, market.r, market.q, prices, t, sample), repeat=3
    )
    base_full = base_sample * len(all_points) / len(sample)
    report.ratio(
        "options.analysis.grid_200x30_condor",
        ours,
        base_full,
        baseline="python-loop-reference",
        goal="<= 0.1 (10x faster; bsm_price itself is ~50 ns per element)",
    )
    full = best_seconds(
        lambda: analyze_position(legs, market, n_prices=N_PRICES, n_dates=N_DATES,
                                 levels=[("PDH", 603.0), ("PDL", 590.0)]),
        repeat=5,
    )  # fmt: skip
    report.figure(
        "options.analysis.full_condor",
        f"{full * 1e3:.2f} ms per analyze_position (Greeks, exact profile, PoP, "
        f"{N_DATES}x{N_PRICES} grid, 2 levels)",
    )
