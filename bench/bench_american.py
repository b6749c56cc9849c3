"""American-exercise pricing benchmarks: 200 contracts with Greeks, and a 4-leg AAPL analysis.

1. Price + delta, gamma, theta, vega for 200 American contracts (puts and calls on dividend
   payers, 7 days to ~3 years, strikes 60 %-150 % of spot, vols 12 %-90 %): ours, one batched call
   (one FD solve per contract for price/delta/gamma/theta, two more for vega), against a
   per-contract QuantLib loop: ``FdBlackScholesVanillaEngine`` at 800 x 800 (QuantLib's scheme is
   first order at the exercise boundary; 800 x 800 is the grid where its error first comes close
   to ours, see the accuracy line) giving price/delta/gamma/theta, plus two +/- 1 vol point
   reprices for vega. The QuantLib loop runs on a 20-contract subsample, scaled to 200.
   Accuracy line: both against our own solver at 3200 x 1600 (converged to ~1e-5), on 40 of them.
2. ``analyze_position`` for an AAPL iron condor (Greeks, expiry profile, PoP, 30 x 200 P&L grid,
   2 levels), every leg American, against the same analysis priced European.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import QuantLib as ql

from aicoach.options.core import american
from aicoach.options.core.american import PricingModel, american_greeks, american_price
from aicoach.options.core.analysis import MarketInputs, analyze_position
from aicoach.options.core.legs import Leg, LegKind
from bench.harness import Report, best_seconds

N, SUBSAMPLE, CHECKED = 200, 20, 40
S, R = 100.0, 0.045
Arr = np.ndarray[Any, Any]
TODAY = ql.Date(15, 1, 2025)


def _contracts(n: int, seed: int = 5) -> tuple[Arr, Arr, Arr, Arr, Arr]:
    rng = np.random.default_rng(seed)
    is_call = rng.random(n) < 0.4
    k = np.round(S * rng.uniform(0.6, 1.5, n), 1)
    days = rng.integers(7, 1100, n)
    q = np.where(is_call, rng.uniform(0.01, 0.04, n), rng.uniform(0.0, 0.03, n))
    sigma = rng.uniform(0.12, 0.9, n)
    return is_call, k, days, q, sigma


def _ql_greeks(is_call: bool, k: float, days: int, q: float, sigma: float) -> tuple[float, ...]:
    """QuantLib FD price, delta, gamma, theta per day and bumped vega per vol point."""
    ql.Settings.instance().evaluationDate = TODAY
    dc = ql.Actual365Fixed()
    vol = ql.SimpleQuote(sigma)
    process = ql.BlackScholesMertonProcess(
        ql.QuoteHandle(ql.SimpleQuote(S)),
        ql.YieldTermStructureHandle(ql.FlatForward(TODAY, q, dc)),
        ql.YieldTermStructureHandle(ql.FlatForward(TODAY, R, dc)),
        ql.BlackVolTermStructureHandle(
            ql.BlackConstantVol(TODAY, ql.NullCalendar(), ql.QuoteHandle(vol), dc)
        ),
    )
    kind = ql.Option.Call if is_call else ql.Option.Put
    option = ql.VanillaOption(
        ql.PlainVanillaPayoff(kind, k), ql.AmericanExercise(TODAY, TODAY + int(days))
    )
    option.setPricingEngine(ql.FdBlackScholesVanillaEngine(process, 800, 800, 0))
    price, delta, gamma, theta = option.NPV(), option.delta(), option.gamma(), option.theta()
    vol.setValue(sigma + 0.01)
    up = option.NPV()
    vol.setValue(sigma - 0.01)
    down = option.NPV()
    return price, delta, gamma, theta / 365.0, (up - down) / 2.0


def _condor(models: PricingModel) -> tuple[list[Leg], MarketInputs]:
    exp = date(2025, 12, 19)
    c, p = LegKind.CALL, LegKind.PUT
    legs = [
        Leg(p, 1, 215, exp, 1.0, 0.30, "AAPL"),
        Leg(p, -1, 222.5, exp, 1.6, 0.28, "AAPL"),
        Leg(c, -1, 237.5, exp, 1.5, 0.26, "AAPL"),
        Leg(c, 1, 245, exp, 0.9, 0.27, "AAPL"),
    ]
    market = MarketInputs(spot=230.0, valuation_at=datetime(2025, 11, 20, 15, tzinfo=UTC),
                          r=R, q=0.005, time_to_expiry=[29 / 365] * 4,
                          pricing_models=[models] * 4)  # fmt: skip
    return legs, market


def run(report: Report) -> None:
    t0 = time.perf_counter()
    kernel = american.compiled_kernel()
    report.figure(
        "options.american kernel",
        "numba (njit, on-disk cache)" if kernel is not None else "numpy fallback (no numba)",
    )
    report.figure("options.american kernel load", f"{(time.perf_counter() - t0) * 1e3:.0f} ms")

    is_call, k, days, q, sigma = _contracts(N)
    t = days / 365.0
    ours = american_greeks(is_call, S, k, t, R, q, sigma)
    assert set(ours.model) == {PricingModel.FD_AMERICAN}
    sub = range(SUBSAMPLE)
    ql_rows = np.array([_ql_greeks(is_call[i], k[i], days[i], q[i], sigma[i]) for i in sub])
    # Same numbers first: prices within QuantLib's own FD error, Greeks within FD noise.
    price_rel = np.abs(ours.price[:SUBSAMPLE] - ql_rows[:, 0]) / np.maximum(ql_rows[:, 0], 1e-2)
    assert price_rel.max() < 2e-3, price_rel.max()
    assert np.abs(ours.delta[:SUBSAMPLE] - ql_rows[:, 1]).max() < 2e-3

    ours_s = best_seconds(lambda: american_greeks(is_call, S, k, t, R, q, sigma), repeat=3)
    ql_sub = best_seconds(
        lambda: [_ql_greeks(is_call[i], k[i], days[i], q[i], sigma[i]) for i in sub], repeat=1
    )
    report.ratio(
        f"options.american greeks {N} vs QuantLib FD 800x800 (loop on {SUBSAMPLE}, scaled)",
        ours_s,
        ql_sub * N / SUBSAMPLE,
        "quantlib",
        "faster than QuantLib at similar accuracy",
    )
    price_s = best_seconds(lambda: american_price(is_call, S, k, t, R, q, sigma), repeat=3)
    report.figure(
        f"options.american price {N} (400x200 + Richardson)",
        f"{price_s * 1e3:.0f} ms per batch, {price_s / N * 1e3:.2f} ms per contract; "
        f"greeks {ours_s / N * 1e3:.2f} ms per contract",
    )

    chk = slice(0, CHECKED)
    best = american_price(is_call[chk], S, k[chk], t[chk], R, q[chk], sigma[chk],
                          space_steps=3200, time_steps=1600).price  # fmt: skip
    ql_px = np.array([_ql_greeks(is_call[i], k[i], days[i], q[i], sigma[i])[0]
                      for i in range(CHECKED)])  # fmt: skip
    meaningful = best > 1e-2
    ours_err = np.abs(ours.price[chk] - best)[meaningful] / best[meaningful]
    ql_err = np.abs(ql_px - best)[meaningful] / best[meaningful]
    report.figure(
        "options.american accuracy vs 3200x1600",
        f"max rel error ours {ours_err.max():.1e} (median {np.median(ours_err):.1e}), "
        f"QuantLib 800x800 {ql_err.max():.1e} (median {np.median(ql_err):.1e}) "
        f"on {int(meaningful.sum())} prices > 1 cent",
    )

    timings: dict[PricingModel, float] = {}
    for model in (PricingModel.BSM_EUROPEAN, PricingModel.FD_AMERICAN):
        legs, market = _condor(model)

        def analysis(legs: list[Leg] = legs, market: MarketInputs = market) -> object:
            levels = [("PDH", 233.0), ("PDL", 226.0)]
            return analyze_position(legs, market, n_prices=200, n_dates=30, levels=levels)

        timings[model] = best_seconds(analysis, repeat=5)
    report.ratio(
        "options.american analysis AAPL condor (4 legs, 30x200 grid)",
        timings[PricingModel.FD_AMERICAN],
        timings[PricingModel.BSM_EUROPEAN],
        "european",
        "American < 300 ms",
    )
