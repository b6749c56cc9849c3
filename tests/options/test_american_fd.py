"""American pricing against QuantLib's finite-difference engine (800 x 800 grid as reference).

QuantLib's FD American engine converges only to first order in the grid (its own error at
800 x 800 is up to ~5e-4 relative on low-vol LEAPS puts: 3.3084 vs a converged 3.3101), while
ours is Richardson-extrapolated Crank-Nicolson; the 1e-3 band bounds the two errors together.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import QuantLib as ql

from aicoach.options.american import PricingModel, american_greeks, american_price
from aicoach.options.pricing import bsm_price

S = 100.0
R = 0.045
TODAY = ql.Date(15, 1, 2025)


def _ql_option(
    is_call: bool, k: float, days: int, q: float, sigma: float, spot: float = S
) -> ql.VanillaOption:
    ql.Settings.instance().evaluationDate = TODAY
    dc = ql.Actual365Fixed()
    process = ql.BlackScholesMertonProcess(
        ql.QuoteHandle(ql.SimpleQuote(spot)),
        ql.YieldTermStructureHandle(ql.FlatForward(TODAY, q, dc)),
        ql.YieldTermStructureHandle(ql.FlatForward(TODAY, R, dc)),
        ql.BlackVolTermStructureHandle(ql.BlackConstantVol(TODAY, ql.NullCalendar(), sigma, dc)),
    )
    kind = ql.Option.Call if is_call else ql.Option.Put
    option = ql.VanillaOption(
        ql.PlainVanillaPayoff(kind, k), ql.AmericanExercise(TODAY, TODAY + days)
    )
    option.setPricingEngine(ql.FdBlackScholesVanillaEngine(process, 800, 800, 0))
    return option


# Puts (all early-exercise), calls on dividend payers; strikes deep ITM..deep OTM; 1 week..LEAPS.
CASES = [
    (is_call, k, days, q, sigma)
    for is_call, k, days, q, sigma in itertools.product(
        [False, True],
        [60.0, 85.0, 100.0, 115.0, 160.0],
        [7, 60, 365, 1000],
        [0.0, 0.03],
        [0.12, 0.35, 0.9],
    )
    if not (is_call and q == 0.0)
]


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    return np.array([_ql_option(*case).NPV() for case in CASES])


@pytest.mark.slow
def test_matches_quantlib_fd_within_1e3_relative(reference: np.ndarray) -> None:
    c, k, days, q, sigma = (np.array(col) for col in zip(*CASES, strict=True))
    result = american_price(c.astype(bool), S, k, days / 365.0, R, q, sigma)
    assert set(result.model) == {PricingModel.FD_AMERICAN}
    # Relative error where the price is worth a relative statement (above 1/10 cent);
    # absolute 1e-4 dollars below that (far out of the money).
    meaningful = reference > 1e-3
    assert meaningful.sum() > 0.8 * len(CASES)
    rel = np.abs(result.price - reference) / np.where(meaningful, reference, 1.0)
    worst = int(np.argmax(np.where(meaningful, rel, 0.0)))
    assert rel[meaningful].max() < 1e-3, (CASES[worst], result.price[worst], reference[worst])
    assert np.all(np.abs(result.price - reference)[~meaningful] < 1e-4)


def test_american_is_worth_at_least_european_and_exercise() -> None:
    k = np.array([70.0, 100.0, 140.0])
    for is_call, q in ((False, 0.0), (False, 0.02), (True, 0.04)):
        am = american_price(is_call, S, k, 0.75, R, q, 0.3).price
        eu = bsm_price(is_call, S, k, 0.75, R, q, 0.3)
        exercise = np.maximum((1 if is_call else -1) * (S - k), 0.0)
        assert np.all(am >= eu - 1e-9)
        assert np.all(am >= exercise - 1e-12)
    deep_put = american_price(False, S, 200.0, 0.5, R, 0.0, 0.2).price
    assert float(deep_put) == 100.0  # exercised now: exactly intrinsic, not the European 95.5


def test_calls_without_dividends_are_european_and_say_so() -> None:
    result = american_price([True, True, False], S, 105.0, 0.5, R, [0.0, 0.02, 0.0], 0.25)
    assert list(result.model) == [
        PricingModel.BSM_EUROPEAN,
        PricingModel.FD_AMERICAN,
        PricingModel.FD_AMERICAN,
    ]
    assert result.price[0] == float(bsm_price(True, S, 105.0, 0.5, R, 0.0, 0.25))


def test_expired_and_zero_vol_do_not_need_the_grid() -> None:
    result = american_price(False, S, [90.0, 110.0], 0.0, R, 0.0, 0.3)
    np.testing.assert_array_equal(result.price, [0.0, 10.0])
    assert set(result.model) == {PricingModel.BSM_EUROPEAN}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("is_call", "k", "days", "q", "sigma"),
    [(False, 100.0, 120, 0.0, 0.3), (False, 120.0, 400, 0.02, 0.45), (True, 95.0, 200, 0.05, 0.25)],
)
def test_greeks_match_quantlib_fd(
    is_call: bool, k: float, days: int, q: float, sigma: float
) -> None:
    option = _ql_option(is_call, k, days, q, sigma)
    ours = american_greeks(is_call, S, k, days / 365.0, R, q, sigma)
    assert ours.model.item() == PricingModel.FD_AMERICAN
    assert abs(float(ours.price) - option.NPV()) < 1e-3 * option.NPV()
    assert abs(float(ours.delta) - option.delta()) < 1e-3
    assert abs(float(ours.gamma) - option.gamma()) < 2e-3 * abs(option.gamma()) + 1e-5
    # QuantLib FD theta is per year, instantaneous; ours is the one-calendar-day change.
    assert abs(float(ours.theta_per_day) - option.theta() / 365.0) < 0.02 * abs(
        option.theta() / 365.0
    )
    # Vega: QuantLib's FD engine has none; bump its own price by +/- 1 vol point.
    up = _ql_option(is_call, k, days, q, sigma + 0.01).NPV()
    down = _ql_option(is_call, k, days, q, sigma - 0.01).NPV()
    assert abs(float(ours.vega_per_vol_point) - (up - down) / 2.0) < 2e-3 * abs((up - down) / 2)
