"""Build realistic legs from the simulated chain the API serves (shared by the API tests)."""

from __future__ import annotations

from typing import Any

from tests.helpers.users import UserClient


async def monthly_chain(
    user: UserClient, symbol: str = "SPY", min_days: int = 20
) -> tuple[str, dict[str, Any]]:
    """The first monthly expiration at least ``min_days`` out, and its chain."""
    rows = (await user.get(f"/api/options/{symbol}/expirations")).json()["expirations"]
    exp = next(r["expiration"] for r in rows if r["is_monthly"] and r["days_to_expiry"] >= min_days)
    response = await user.get(f"/api/options/{symbol}/chain?expiration={exp}")
    assert response.status_code == 200, response.text
    chain: dict[str, Any] = response.json()
    return exp, chain


async def iron_condor_legs(user: UserClient, symbol: str = "SPY") -> list[dict[str, Any]]:
    """A 1-lot iron condor around the money (short strikes ~3 % out), entered at the mids."""
    exp, chain = await monthly_chain(user, symbol)
    s = chain["underlying_price"]
    rows = [r for r in chain["strikes"] if r["put"]["mid"] and r["call"]["mid"]]
    strikes = [r["strike"] for r in rows]
    by_strike = {r["strike"]: r for r in rows}

    def nearest(x: float) -> float:
        return min(strikes, key=lambda k: abs(k - x))

    short_put, short_call = nearest(0.97 * s), nearest(1.03 * s)
    long_put = max(k for k in strikes if k <= short_put - 0.015 * s)
    long_call = min(k for k in strikes if k >= short_call + 0.015 * s)

    def leg(kind: str, strike: float, qty: int) -> dict[str, Any]:
        mid = by_strike[strike][kind]["mid"]
        return {"symbol": symbol, "kind": kind, "strike": strike, "expiration": exp,
                "quantity": qty, "entry_price": f"{mid:.2f}"}  # fmt: skip

    return [leg("put", long_put, 1), leg("put", short_put, -1), leg("call", short_call, -1),
            leg("call", long_call, 1)]  # fmt: skip
