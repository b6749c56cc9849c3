"""JSON shapes of the options API: expirations and chains (analysis shapes: ``analysis_schemas``).

Units: prices in dollars per share; ``iv`` annual decimal (0.25 = 25 %); delta per $1 of the
underlying; gamma delta per $1; ``theta_per_day`` dollars per share per calendar day;
``vega_per_vol_point`` dollars per share per +1 IV point. No number is ever NaN or infinite:
a value that cannot be computed is ``null`` with a reason.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from aicoach.marketdata.models import OptionRight
from aicoach.options.chain import (
    ChainTable,
    ExpirationCycle,
    ExpirationInfo,
    GreeksSource,
    Moneyness,
)
from aicoach.options.core.payoff import finite_or_none


class ExpirationRead(BaseModel):
    expiration: date = Field(description="Expiration session (New York date).")
    expiration_close: datetime = Field(
        description="When trading stops: the session's close (16:00 ET, 13:00 ET early), UTC."
    )
    days_to_expiry: int = Field(description="Calendar days from today (New York) to expiration.")
    t_years: float = Field(description="Years to the expiration close, ACT/365 in seconds.")
    cycle: ExpirationCycle = Field(
        description="monthly (third-Friday standard), weekly (Friday) or daily."
    )
    is_monthly: bool

    @classmethod
    def of(cls, e: ExpirationInfo) -> ExpirationRead:
        return cls(expiration=e.expiration, expiration_close=e.expiration_close,
                   days_to_expiry=e.days_to_expiry, t_years=e.t_years, cycle=e.cycle,
                   is_monthly=e.cycle is ExpirationCycle.MONTHLY)  # fmt: skip


class ExpirationsRead(BaseModel):
    symbol: str
    as_of: datetime
    source: str = Field(description="simulated, delayed, real-time or files.")
    stale: bool = Field(description="True when served from cache after a provider failure.")
    expirations: list[ExpirationRead]


class ContractRead(BaseModel):
    contract: str = Field(description="OCC symbol, e.g. SPY261218C00600000.")
    right: OptionRight
    bid: float | None = Field(description="Dollars per share.")
    ask: float | None = Field(description="Dollars per share.")
    mid: float | None = Field(description="(bid + ask) / 2, dollars per share.")
    last: float | None = Field(description="Last trade, dollars per share.")
    volume: float | None = Field(description="Contracts traded today.")
    open_interest: float | None = Field(description="Open contracts.")
    iv: float | None = Field(description="Implied volatility, annual decimal (0.25 = 25 %).")
    delta: float | None = Field(description="Per $1 move of the underlying, per share.")
    gamma: float | None = Field(description="Change of delta per $1 move of the underlying.")
    theta_per_day: float | None = Field(description="Dollars per share as one calendar day passes.")
    vega_per_vol_point: float | None = Field(description="Dollars per share per +1 IV point.")
    moneyness: Moneyness
    greeks_source: GreeksSource = Field(
        description="provider: IV/Greeks from the data vendor; computed: from the mid; "
        "unavailable: see unavailable_reason."
    )
    unavailable_reason: str | None = Field(
        description='Why IV/Greeks are null, e.g. "no bid", "below intrinsic".'
    )
    model: str = Field(
        description="Model of this contract's computed IV/Greeks: bjerksund-stensland-2002 "
        "(American), bsm-european (European, or American that is never exercised early)."
    )


class StrikeRow(BaseModel):
    strike: float = Field(description="Dollars.")
    k_over_s: float = Field(description="Strike divided by the underlying price.")
    call: ContractRead | None
    put: ContractRead | None


class ChainRead(BaseModel):
    symbol: str
    expiration: date
    expiration_close: datetime = Field(description="Expiration session close, UTC.")
    days_to_expiry: int = Field(description="Calendar days (New York dates).")
    t_years: float = Field(description="Years from as_of to the expiration close (ACT/365).")
    underlying_price: float = Field(description="Dollars per share at as_of.")
    as_of: datetime
    source: str = Field(description="simulated, delayed, real-time or files.")
    stale: bool
    exercise_style: str = Field(description="american (stocks, ETFs) or european (SPX, NDX...).")
    model: str = Field(
        description="Model used for computed IV and Greeks: bjerksund-stensland-2002 for "
        "American-style roots, bsm-european for European-style ones (per contract: model)."
    )
    r: float = Field(description="Risk-free rate, continuous annual decimal.")
    q: float = Field(description="Dividend yield, continuous annual decimal.")
    counts: dict[str, int] = Field(description="Contracts per greeks_source.")
    strikes: list[StrikeRow]

    @classmethod
    def of(
        cls, t: ChainTable, strike_min: float | None = None, strike_max: float | None = None
    ) -> ChainRead:
        rows: dict[float, dict[str, ContractRead]] = {}
        s = t.underlying_price
        for i, c in enumerate(t.contracts):
            if (strike_min is not None and c.strike < strike_min) or (
                strike_max is not None and c.strike > strike_max
            ):
                continue
            rows.setdefault(c.strike, {})[c.right.value] = ContractRead(
                contract=c.contract, right=c.right, bid=finite_or_none(c.bid),
                ask=finite_or_none(c.ask), mid=finite_or_none(float(t.mid[i])),
                last=finite_or_none(c.last), volume=finite_or_none(c.volume),
                open_interest=finite_or_none(c.open_interest), iv=finite_or_none(float(t.iv[i])),
                delta=finite_or_none(float(t.delta[i])), gamma=finite_or_none(float(t.gamma[i])),
                theta_per_day=finite_or_none(float(t.theta_per_day[i])),
                vega_per_vol_point=finite_or_none(float(t.vega_per_vol_point[i])),
                moneyness=t.moneyness[i], greeks_source=t.greeks_source[i],
                unavailable_reason=t.reason[i], model=t.models[i].value,
            )  # fmt: skip
        counts = {src.value: 0 for src in GreeksSource}
        for src in t.greeks_source:
            counts[src.value] += 1
        return cls(
            symbol=t.symbol, expiration=t.expiration, expiration_close=t.expiration_close,
            days_to_expiry=t.days_to_expiry(), t_years=t.t_years, underlying_price=s,
            as_of=t.as_of, source=t.source, stale=t.stale, model=t.model.value, r=t.r, q=t.q,
            exercise_style=t.exercise_style.value,
            counts=counts,
            strikes=[StrikeRow(strike=k, k_over_s=k / s if s > 0 else 0.0, call=v.get("call"),
                               put=v.get("put")) for k, v in sorted(rows.items())],
        )  # fmt: skip
