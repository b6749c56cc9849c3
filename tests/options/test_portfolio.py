"""Portfolio Greeks: per-underlying sums, dollar totals and SPY beta-weighted delta by hand."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from aicoach.options.core.analysis import MarketInputs, PositionGreeks, analyze_position
from aicoach.options.core.legs import Leg, LegKind
from aicoach.options.core.portfolio import PortfolioInputError, PositionExposure, portfolio_greeks


def greeks(delta: float, gamma: float, theta: float, vega: float) -> PositionGreeks:
    return PositionGreeks(delta_shares=delta, delta_dollars=0.0, gamma_shares_per_dollar=gamma,
                          theta_dollars_per_day=theta, vega_dollars_per_vol_point=vega,
                          rho_dollars_per_rate_point=None)  # fmt: skip


def test_beta_weighted_delta_by_hand() -> None:
    positions = [
        PositionExposure("SPY", 600.0, greeks(-20.0, -1.5, 30.0, -80.0)),
        PositionExposure("AAPL", 230.0, greeks(50.0, 2.0, -12.0, 40.0)),
        PositionExposure("AAPL", 230.0, greeks(25.0, 0.5, -3.0, 10.0)),
        PositionExposure("TSLA", 350.0, greeks(10.0, 0.2, -5.0, 7.0)),
        PositionExposure("XYZ", 40.0, greeks(100.0, 0.0, 0.0, 0.0)),
    ]
    betas = {"AAPL": 1.2, "TSLA": 2.0}
    pf = portfolio_greeks(positions, betas, spy_price=600.0)
    rows = {r.underlying: r for r in pf.underlyings}
    assert rows["AAPL"].delta_shares == 75.0
    assert rows["AAPL"].delta_dollars == pytest.approx(75 * 230)
    assert rows["AAPL"].gamma_dollars_per_pct == pytest.approx(2.5 * 230 * 230 / 100)
    # SPY: -20 x 1 x 600/600 = -20; AAPL: 75 x 1.2 x 230/600 = 34.5; TSLA: 10 x 2 x 350/600
    expected = -20.0 + 34.5 + 10 * 2 * 350 / 600
    assert pf.beta_weighted_delta == pytest.approx(expected, rel=1e-12)
    assert pf.beta_weighted_delta_dollars == pytest.approx(expected * 600.0)
    assert pf.unweighted == ("XYZ",)
    assert rows["XYZ"].beta_weighted_delta is None
    assert pf.theta_dollars_per_day == pytest.approx(30 - 12 - 3 - 5)
    assert pf.vega_dollars_per_vol_point == pytest.approx(-80 + 40 + 10 + 7)
    assert pf.delta_dollars == pytest.approx(-20 * 600 + 75 * 230 + 10 * 350 + 100 * 40)
    json.dumps(pf.to_dict(), allow_nan=False)


def test_portfolio_from_real_analysis_and_errors() -> None:
    exp = date(2025, 12, 19)
    legs = [Leg(LegKind.CALL, 2, 230, exp, 6.0, 0.3, "AAPL")]
    market = MarketInputs(spot=228.0, valuation_at=datetime(2025, 11, 20, 15, tzinfo=UTC),
                          r=0.04, q=0.005, time_to_expiry=[29 / 365])  # fmt: skip
    g = analyze_position(legs, market).greeks
    pf = portfolio_greeks([PositionExposure("AAPL", 228.0, g)], {"AAPL": 1.1}, 600.0)
    assert pf.beta_weighted_delta == pytest.approx(g.delta_shares * 1.1 * 228 / 600)
    with pytest.raises(PortfolioInputError):
        portfolio_greeks([PositionExposure("AAPL", 228.0, g)], {}, 0.0)
    with pytest.raises(PortfolioInputError, match="different spots"):
        portfolio_greeks([PositionExposure("AAPL", 228.0, g), PositionExposure("AAPL", 229.0, g)],
                         {}, 600.0)  # fmt: skip
