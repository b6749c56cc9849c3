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

from aicoach.options.core import american
from aicoach.options.core.american import (
    PricingModel,
    american_greeks,
    american_price,
    american_price_grid,
)
from aicoach.options.core.pricing import FloatArray, bsm_price

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


@pytest.mark.slow
def test_greeks_of_a_deep_itm_dividend_put_match_quantlib() -> None:
    # Spot inside ~2 sd of the exercise boundary: delta/gamma see the boundary's curvature change.
    option = _ql_option(False, 125.0, 90, 0.01, 0.3)
    ours = american_greeks(False, S, 125.0, 90 / 365.0, R, 0.01, 0.3)
    assert abs(float(ours.price) - option.NPV()) < 1e-3 * option.NPV()
    assert abs(float(ours.delta) - option.delta()) < 1e-3
    assert abs(float(ours.gamma) - option.gamma()) < 5e-3 * abs(option.gamma()) + 1e-5


def test_greeks_price_is_the_price_and_theta_is_one_day_of_decay() -> None:
    is_call, k, t, q, sigma = [False, True, False], [95.0, 105.0, 100.0], [0.4, 0.9, 0.5 / 365], \
        [0.0, 0.04, 0.01], [0.3, 0.25, 0.4]  # fmt: skip
    g = american_greeks(is_call, S, k, t, R, q, sigma)
    p = american_price(is_call, S, k, t, R, q, sigma).price
    np.testing.assert_array_equal(g.price, p)
    later = american_price(is_call, S, k, np.maximum(np.array(t) - 1 / 365, 0.0), R, q, sigma)
    # Same quantity, solved on a different time grid: agrees to the FD accuracy.
    np.testing.assert_allclose(g.theta_per_day[:2], (later.price - p)[:2], rtol=2e-3)
    # Half a day left: the whole time value decays (to intrinsic, 0 here), stated per day.
    assert g.theta_per_day[2] == pytest.approx(-float(p[2]) / 0.5)


Arrays5 = tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]


def _fd_batch() -> tuple[american._Grid, Arrays5, FloatArray]:
    phi = np.array([-1.0, 1.0, -1.0, -1.0])
    s, k = np.array([100.0, 100.0, 80.0, 130.0]), np.array([100.0, 95.0, 110.0, 120.0])
    t, r, q = np.array([0.5, 1.2, 0.1, 2.0]), np.full(4, R), np.array([0.0, 0.03, 0.01, 0.02])
    sigma = np.array([0.3, 0.25, 0.6, 0.15])
    grid = american._spot_grid(s, k, t, sigma, 80)
    # Targets with a repeat and a zero: every row records at three instants.
    targets = np.stack([np.zeros(4), 0.5 * t, t], axis=1)
    targets[1, 1] = 0.0
    return grid, (phi, k, r, q, sigma), targets


def test_numba_kernel_and_numpy_fallback_are_the_same_algorithm() -> None:
    kernel = american.compiled_kernel()
    if kernel is None:
        pytest.skip("numba is not installed: only the numpy path exists")
    grid, args, targets = _fd_batch()
    fast = american._solve(*args, grid, targets, 40, kernel=kernel)
    slow = american._solve(*args, grid, targets, 40, kernel=american._march_numpy)
    for a, b in zip(fast, slow, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    fine, _ = fast
    payoff = np.maximum(args[0][:, None] * (grid.spots() - args[1][:, None]), 0.0)
    np.testing.assert_array_equal(fine[:, 0], payoff)  # tau = 0 is the payoff
    np.testing.assert_array_equal(fine[1, 0], fine[1, 1])  # a repeated target records again
    assert np.all(fine[:, 2] >= payoff - 1e-12)


def test_price_grid_matches_a_direct_solve_per_point() -> None:
    is_call = np.array([False, True, False, True])
    k, sigma = np.array([95.0, 110.0, 130.0, 80.0]), np.array([0.3, 0.25, 0.45, 0.2])
    q = 0.02
    t0 = np.array([0.08, 0.5, 2.5, 0.3])
    t = t0[:, None] * np.array([1.0, 0.7, 0.25, 0.01, 0.0])[None, :]  # (4 legs, 5 instants)
    s = np.array([40.0, 70.0, 88.0, 97.3, 100.0, 104.1, 121.0, 150.0, 400.0])
    grid = american_price_grid(is_call, k, sigma, t, s, R, q)
    assert grid.price.shape == grid.model.shape == (4, 5, 9)
    direct = american_price(is_call[:, None, None], s, k[:, None, None], t[:, :, None], R, q,
                            sigma[:, None, None])  # fmt: skip
    assert list(grid.model[:, :, 0].ravel()) == list(direct.model[:, :, 0].ravel())
    assert set(grid.model[:, -1].ravel()) == {PricingModel.BSM_EUROPEAN}  # t = 0: intrinsic
    exercise = np.maximum(np.where(is_call, 1.0, -1.0)[:, None] * (s - k[:, None]), 0.0)
    np.testing.assert_array_equal(grid.price[:, -1], exercise)
    err = np.abs(grid.price - direct.price)
    assert np.all(err <= 3e-4 * direct.price + 2e-4), np.unravel_index(np.argmax(err), err.shape)
    assert np.all(grid.price >= exercise[:, None, :] - 1e-12)


def test_price_grid_takes_scalar_times_and_any_spot_shape() -> None:
    one = american_price_grid(False, 100.0, 0.3, 0.25, [[90.0, 100.0], [110.0, 120.0]], R, 0.0)
    assert one.price.shape == (1, 2, 2)
    direct = american_price(False, np.array([[90.0, 100.0], [110.0, 120.0]]), 100.0, 0.25, R,
                            0.0, 0.3).price  # fmt: skip
    np.testing.assert_allclose(one.price[0], direct, rtol=3e-4, atol=2e-4)
    euro_call = american_price_grid(True, 100.0, 0.3, [[0.25, 0.1]], [100.0], R, 0.0)
    assert set(euro_call.model.ravel()) == {PricingModel.BSM_EUROPEAN}
    np.testing.assert_allclose(
        euro_call.price[0, :, 0], bsm_price(True, S, 100.0, np.array([0.25, 0.1]), R, 0.0, 0.3)
    )
