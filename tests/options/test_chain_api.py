"""``/api/options/{symbol}/expirations`` and ``/chain`` on the simulated market.

SPY and AAPL options are American-style: the computed IV put back through the Bjerksund-Stensland
(2002) price reproduces the mid it came from, and the Greeks are the formula's at that IV (the
formula itself is golden-tested in ``test_bjerksund.py``). European-style roots (SPX) are checked
against ``vollib`` (an independent implementation) at the returned IV.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta

import pytest
import vollib.black_scholes_merton.greeks.analytical as vg

from aicoach.marketdata.calendar import MarketCalendar
from aicoach.marketdata.models import DataSource, OptionChain, OptionQuote, OptionRight
from aicoach.options.chain import GreeksSource, Moneyness, compute_chain, nearest_expirations
from aicoach.options.core.bjerksund import bjerksund_stensland_greeks, bjerksund_stensland_price
from aicoach.options.core.exercise import ExerciseStyle
from aicoach.options.core.pricing import bsm_price
from tests.helpers.users import UserClient

CAL = MarketCalendar()


def strict_json(text: str) -> object:
    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in JSON")

    return json.loads(text, parse_constant=refuse)


async def _expirations(user: UserClient, symbol: str = "SPY") -> list[dict[str, object]]:
    response = await user.get(f"/api/options/{symbol}/expirations")
    assert response.status_code == 200, response.text
    rows: list[dict[str, object]] = response.json()["expirations"]
    return rows


async def _monthly(user: UserClient, symbol: str = "SPY", min_days: int = 20) -> str:
    rows = await _expirations(user, symbol)
    return next(
        str(r["expiration"])
        for r in rows
        if r["is_monthly"] and int(str(r["days_to_expiry"])) >= min_days
    )


async def test_expirations_are_listed_with_days_and_cycle(alice: UserClient) -> None:
    response = await alice.get("/api/options/spy/expirations")
    assert response.status_code == 200
    body = response.json()
    assert body["symbol"] == "SPY" and body["source"] == "simulated" and body["stale"] is False
    rows = body["expirations"]
    assert len(rows) > 10
    dates = [date.fromisoformat(r["expiration"]) for r in rows]
    assert dates == sorted(dates)
    now = datetime.now(UTC)
    for r, d in zip(rows, dates, strict=True):
        close = datetime.fromisoformat(r["expiration_close"])
        assert close == CAL.expiration_close(d) and close > now
        assert r["is_monthly"] == CAL.is_monthly_expiration(d) == (r["cycle"] == "monthly")
        if r["cycle"] == "weekly":
            assert CAL.weekly_expiration(d) == d
        assert r["days_to_expiry"] >= 0
        assert abs(r["t_years"] - (close - now).total_seconds() / (365 * 86400)) < 1e-3
    assert any(r["cycle"] == "monthly" for r in rows) and any(r["cycle"] == "weekly" for r in rows)


async def test_american_chain_iv_round_trips_to_the_mid(alice: UserClient) -> None:
    exp = await _monthly(alice)
    response = await alice.get(f"/api/options/SPY/chain?expiration={exp}")
    assert response.status_code == 200, response.text
    assert "NaN" not in response.text and "Infinity" not in response.text
    body = strict_json(response.text)
    assert isinstance(body, dict)
    s, t, r, q = body["underlying_price"], body["t_years"], body["r"], body["q"]
    assert body["model"] == "bjerksund-stensland-2002" and body["source"] == "simulated"
    assert body["exercise_style"] == "american"
    assert r == 0.04 and q > 0 and t > 0
    assert datetime.fromisoformat(body["expiration_close"]) == CAL.expiration_close(
        date.fromisoformat(exp)
    )
    computed = 0
    for row in body["strikes"]:
        assert abs(row["k_over_s"] - row["strike"] / s) < 1e-12
        for side in ("call", "put"):
            c = row[side]
            assert c is not None and c["right"] == side
            # q > 0: calls may be exercised early too, so every contract is priced American.
            assert c["model"] == "bjerksund-stensland-2002"
            if c["greeks_source"] != "computed":
                assert c["iv"] is None and c["delta"] is None and c["unavailable_reason"]
                continue
            computed += 1
            assert c["unavailable_reason"] is None
            assert c["mid"] == pytest.approx((c["bid"] + c["ask"]) / 2, abs=1e-12)
            k, iv = row["strike"], c["iv"]
            back = float(bjerksund_stensland_price(side == "call", s, k, t, r, q, iv).price)
            assert back == pytest.approx(c["mid"], abs=1e-9), (k, side)
            g = bjerksund_stensland_greeks(side == "call", s, k, t, r, q, iv)
            assert c["delta"] == pytest.approx(float(g.delta), abs=1e-12)
            assert c["gamma"] == pytest.approx(float(g.gamma), abs=1e-12)
            assert c["theta_per_day"] == pytest.approx(float(g.theta_per_day), abs=1e-12)
            assert c["vega_per_vol_point"] == pytest.approx(float(g.vega_per_vol_point), abs=1e-12)
            # American sanity: a call's delta in [0, 1], a put's in [-1, 0]; time costs a holder.
            assert (0 <= c["delta"] <= 1) if side == "call" else (-1 <= c["delta"] <= 0)
            assert c["theta_per_day"] <= 1e-12
    assert computed >= 40
    counts = body["counts"]
    assert counts["computed"] == computed
    assert sum(counts.values()) == 2 * len(body["strikes"])


def test_european_root_is_priced_by_bsm_and_matches_vollib() -> None:
    close = CAL.expiration_close(EXP)
    quotes = []
    for k in (5800.0, 6000.0, 6200.0):
        for right in OptionRight:
            theo = float(
                bsm_price(right is OptionRight.CALL, 6000.0, k, 18 / 365, 0.04, 0.013, 0.18)
            )
            bid = round(theo - 0.05, 2)
            quotes.append(_q(k, right, bid, round(bid + 0.1, 2)))
    rows = tuple(quotes)
    chain = OptionChain("SPX", EXP, 6000.0, rows, AS_OF, DataSource.SIMULATED, 0.013)
    t = compute_chain(chain, expiration_close=close, r=0.04, q=0.013, source="simulated",
                      stale=False)  # fmt: skip
    assert t.exercise_style is ExerciseStyle.EUROPEAN and t.model.value == "bsm-european"
    assert {m.value for m in t.models} == {"bsm-european"}
    for i, c in enumerate(t.contracts):
        assert t.greeks_source[i] is GreeksSource.COMPUTED
        flag, iv = c.right.value[0], float(t.iv[i])
        assert float(bsm_price(flag == "c", 6000.0, c.strike, t.t_years, 0.04, 0.013, iv)) == (
            pytest.approx(float(t.mid[i]), abs=1e-9))  # fmt: skip
        args = (flag, 6000.0, c.strike, t.t_years, 0.04, iv, 0.013)
        assert t.delta[i] == pytest.approx(vg.delta(*args), abs=1e-9)
        assert t.gamma[i] == pytest.approx(vg.gamma(*args), abs=1e-9)
        assert t.theta_per_day[i] == pytest.approx(vg.theta(*args), abs=1e-9)
        assert t.vega_per_vol_point[i] == pytest.approx(vg.vega(*args), abs=1e-9)


async def test_moneyness_labels_follow_the_underlying(alice: UserClient) -> None:
    exp = await _monthly(alice)
    body = (await alice.get(f"/api/options/SPY/chain?expiration={exp}")).json()
    s = body["underlying_price"]
    nearest = min(abs(row["strike"] - s) for row in body["strikes"])
    for row in body["strikes"]:
        k = row["strike"]
        if math.isclose(abs(k - s), nearest, abs_tol=1e-9):
            assert row["call"]["moneyness"] == row["put"]["moneyness"] == "ATM"
        else:
            assert row["call"]["moneyness"] == ("ITM" if k < s else "OTM")
            assert row["put"]["moneyness"] == ("ITM" if k > s else "OTM")


async def test_strike_filter_and_repeat_reads_are_identical(alice: UserClient) -> None:
    exp = await _monthly(alice)
    full = (await alice.get(f"/api/options/SPY/chain?expiration={exp}")).json()
    strikes = [row["strike"] for row in full["strikes"]]
    lo, hi = strikes[len(strikes) // 4], strikes[3 * len(strikes) // 4]
    part = (
        await alice.get(f"/api/options/SPY/chain?expiration={exp}&strike_min={lo}&strike_max={hi}")
    ).json()
    assert [row["strike"] for row in part["strikes"]] == [k for k in strikes if lo <= k <= hi]
    again = await alice.get(f"/api/options/SPY/chain?expiration={exp}")
    if again.json()["as_of"] == full["as_of"]:  # same snapshot: served from the cache
        assert again.json() == full


async def test_single_stock_chain_works_too(alice: UserClient) -> None:
    exp = await _monthly(alice, "AAPL")
    body = (await alice.get(f"/api/options/aapl/chain?expiration={exp}")).json()
    assert body["symbol"] == "AAPL" and body["counts"]["computed"] > 10


async def test_expired_and_unknown_expirations_name_the_nearest_listed(alice: UserClient) -> None:
    rows = await _expirations(alice)
    first = date.fromisoformat(str(rows[0]["expiration"]))
    expired = await alice.get("/api/options/SPY/chain?expiration=2024-01-19")
    assert expired.status_code == 422
    message = expired.json()["error"]["message"]
    assert "expired" in message and first.isoformat() in message
    # A weekday months out that is no listed expiration (listings are Fridays/monthlies there).
    far = [date.fromisoformat(str(r["expiration"])) for r in rows][-1] - timedelta(days=1)
    while far.weekday() != 2:
        far -= timedelta(days=1)
    unknown = await alice.get(f"/api/options/SPY/chain?expiration={far}")
    assert unknown.status_code == 404
    message = unknown.json()["error"]["message"]
    assert far.isoformat() in message and "Nearest listed" in message
    listed = [date.fromisoformat(str(r["expiration"])) for r in rows]
    for d in nearest_expirations(listed, far):
        assert d.isoformat() in message


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("expiration=not-a-date", 422),
        ("", 422),
        ("expiration=2030-01-18&strike_min=600&strike_max=500", 422),
        ("expiration=2030-01-18&strike_min=-5", 422),
    ],
)
async def test_bad_chain_queries_are_422(alice: UserClient, query: str, status: int) -> None:
    response = await alice.get(f"/api/options/SPY/chain?{query}")
    assert response.status_code == status, response.text
    assert response.json()["error"]["message"]


async def test_unknown_symbol_is_404_and_anonymous_is_401(
    alice: UserClient, client: object
) -> None:
    assert (await alice.get("/api/options/ZZZZ/expirations")).status_code == 404
    import httpx

    assert isinstance(client, httpx.AsyncClient)
    anon = await client.get("/api/options/SPY/expirations", headers={"Accept": "application/json"})
    assert anon.status_code == 401


# --- the computation on hand-made chains -----------------------------------------------------

AS_OF = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
EXP = date(2026, 3, 20)


def _q(strike: float, right: OptionRight, bid: float | None, ask: float | None,
       **kw: object) -> OptionQuote:  # fmt: skip
    return OptionQuote(f"X{strike}{right.value}", "XYZ", EXP, strike, right, bid, ask, None,
                       None, None, **kw)  # type: ignore[arg-type]  # fmt: skip


def test_bad_rows_are_labelled_and_never_break_the_chain() -> None:
    close = CAL.expiration_close(EXP)
    rows = (
        _q(100.0, OptionRight.CALL, 2.00, 2.10),  # fine
        _q(100.0, OptionRight.PUT, None, None),  # no quote
        _q(105.0, OptionRight.CALL, 0.0, 0.05),  # no bid
        _q(105.0, OptionRight.PUT, 1.2, 1.0),  # crossed
        _q(80.0, OptionRight.CALL, 10.0, 10.2),  # far below intrinsic (~20)
        _q(
            95.0,
            OptionRight.PUT,
            1.0,
            1.1,
            iv=0.33,
            delta=-0.3,
            gamma=0.05,
            theta=-0.02,
            vega=0.09,
            greeks_from_provider=True,
        ),
        _q(90.0, OptionRight.PUT, 0.5, 0.6, iv=0.31, greeks_from_provider=True),  # partial
    )
    chain = OptionChain("XYZ", EXP, 100.0, rows, AS_OF, DataSource.SIMULATED, 0.01)
    # European pricing here so that the provider-merge rules can be checked against vollib; the
    # American twin of this chain is priced in test_american_chain_rows_are_labelled.
    t = compute_chain(chain, expiration_close=close, r=0.04, q=0.01, source="simulated",
                      stale=False, exercise=ExerciseStyle.EUROPEAN)  # fmt: skip
    assert t.greeks_source == (
        GreeksSource.COMPUTED, GreeksSource.UNAVAILABLE, GreeksSource.UNAVAILABLE,
        GreeksSource.UNAVAILABLE, GreeksSource.UNAVAILABLE, GreeksSource.PROVIDER,
        GreeksSource.PROVIDER,
    )  # fmt: skip
    assert t.reason == (None, "no bid/ask", "no bid", "crossed quote (ask below bid)",
                        "below intrinsic", None, None)  # fmt: skip
    assert math.isnan(t.iv[1]) and math.isnan(t.delta[4])
    assert math.isfinite(t.mid[2]) and t.mid[2] == pytest.approx(0.025)
    assert t.iv[5] == 0.33 and t.delta[5] == -0.3 and t.theta_per_day[5] == -0.02
    # A Greek the provider left out is computed at the provider's IV.
    assert t.iv[6] == 0.31
    assert t.delta[6] == pytest.approx(vg.delta("p", 100.0, 90.0, t.t_years, 0.04, 0.31, 0.01))
    assert t.moneyness[0] is Moneyness.ATM and t.moneyness[4] is Moneyness.ITM
    assert t.moneyness[5] is Moneyness.OTM


def test_american_chain_rows_are_labelled() -> None:
    close = CAL.expiration_close(EXP)
    rows = (
        _q(100.0, OptionRight.CALL, 2.00, 2.10),
        _q(100.0, OptionRight.PUT, 1.95, 2.05),
        _q(80.0, OptionRight.CALL, 10.0, 10.2),  # far below intrinsic (~20)
        _q(130.0, OptionRight.PUT, 29.0, 29.9),  # mid 29.45 below the put's intrinsic of 30
        _q(130.0, OptionRight.CALL, 0.01, 0.03),
        _q(90.0, OptionRight.PUT, 100.0, 100.1),  # above the bound K
    )
    chain = OptionChain("XYZ", EXP, 100.0, rows, AS_OF, DataSource.SIMULATED, 0.01)
    t = compute_chain(chain, expiration_close=close, r=0.04, q=0.01, source="simulated",
                      stale=False)  # fmt: skip
    assert t.exercise_style is ExerciseStyle.AMERICAN
    assert t.model.value == "bjerksund-stensland-2002"
    assert t.reason == (None, None, "below intrinsic", "below intrinsic", None,
                        "above the no-arbitrage upper bound")  # fmt: skip
    # No dividend: a call is never exercised early and is its European twin.
    bare = OptionChain("XYZ", EXP, 100.0, rows[:2], AS_OF, DataSource.SIMULATED)
    plain = compute_chain(bare, expiration_close=close, r=0.04, q=0.0, source="s", stale=False)
    assert [m.value for m in plain.models] == ["bsm-european", "bjerksund-stensland-2002"]
    assert plain.delta[0] == pytest.approx(vg.delta("c", 100.0, 100.0, plain.t_years, 0.04,
                                                    float(plain.iv[0]), 0.0), abs=1e-9)  # fmt: skip


def test_an_empty_or_expired_chain_computes_to_unavailable() -> None:
    close = CAL.expiration_close(EXP)
    empty = OptionChain("XYZ", EXP, 100.0, (), AS_OF, DataSource.SIMULATED)
    assert compute_chain(empty, expiration_close=close, r=0.04, q=0.0, source="s",
                         stale=False).contracts == ()  # fmt: skip
    late = OptionChain("XYZ", EXP, 100.0, (_q(100.0, OptionRight.CALL, 1.0, 1.1),),
                       close + timedelta(hours=1), DataSource.SIMULATED)  # fmt: skip
    t = compute_chain(late, expiration_close=close, r=0.04, q=0.0, source="s", stale=False)
    assert t.t_years == 0 and t.reason == ("expired",)
