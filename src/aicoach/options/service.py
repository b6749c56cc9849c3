"""Position analysis with live inputs: the glue between market data, chains, levels and the core.

``AnalysisService.analyze(specs, scenario)`` turns leg specifications (from a request or from
saved positions) into :class:`~aicoach.options.core.legs.Leg` objects with market inputs and runs
:func:`~aicoach.options.core.analysis.analyze_position`:

* **spot**: the quote's last price, or the scenario's ``underlying_price``;
* **time**: ``t = t_years(when, calendar.expiration_close(expiration))`` for every instant;
* **r**: settings ``risk_free_rate`` or the scenario's ``rate``; **q**: the symbol's dividend yield;
* **pricing model per leg**, from the root's exercise style
  (:func:`~aicoach.options.core.exercise.exercise_style`): American-style options (stocks and
  ETFs: SPY, QQQ, AAPL, ...) by Crank-Nicolson finite differences, accurate to ~1e-4 where a
  chain's closed-form Bjerksund-Stensland can be off by a few 1e-3 (long-dated ITM puts);
  European-style index options (SPX, NDX, RUT, VIX, ...) by BSM;
* **leg IV**, first available of: the leg's own ``iv``; the mid IV of that contract in the
  chain; the chain's at-the-money IV (warning); :data:`FALLBACK_IV` (warning). Scenario shifts
  (``iv_shift_points`` overall, ``leg_iv_shift_points`` by 0-based leg index) add IV points;
* **levels**: the P&L now and at first expiry at every key level of the underlying.

Warnings (fallback IVs, levels unavailable) are returned with the result, never swallowed.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Final

from aicoach.errors import AICoachError
from aicoach.kit.clock import Clock, system_clock
from aicoach.levels.service import LevelsService
from aicoach.marketdata.calendar import REGULAR_CLOSE_ET, et_wall_clock
from aicoach.marketdata.models import OptionRight, SymbolInfo
from aicoach.marketdata.service import MarketDataService, normalize_symbol
from aicoach.options.chain import ChainService, ChainTable
from aicoach.options.core.american import PricingModel
from aicoach.options.core.analysis import (
    MarketInputs,
    PositionAnalysis,
    PositionGreeks,
    PositionValuer,
    analyze_position,
    leg_greeks,
    position_greeks,
)
from aicoach.options.core.exercise import exercise_style, position_model
from aicoach.options.core.expiry import t_years
from aicoach.options.core.legs import Leg, LegKind
from aicoach.options.errors import AnalysisRequestError, ExpirationExpiredError

FALLBACK_IV: Final = 0.30
"""Annual IV (30 %) used when neither the leg nor the chain gives one; always with a warning."""


@dataclass(frozen=True, slots=True)
class LegSpec:
    """One leg as the outside world states it; ``where`` names it in error messages."""

    symbol: str
    kind: LegKind
    strike: float | None
    expiration: date | None
    quantity: int
    entry_price: float
    multiplier: int = 100
    iv: float | None = None
    where: str = "legs[0]"


@dataclass(frozen=True, slots=True)
class Scenario:
    """What-if inputs; ``None`` means "as the market is now"."""

    underlying_price: float | None = None
    iv_shift_points: float = 0.0
    leg_iv_shift_points: Mapping[int, float] = field(default_factory=dict)
    valuation_at: datetime | None = None
    rate: float | None = None
    dates: Sequence[datetime] = ()
    n_prices: int = 200
    n_dates: int = 30


@dataclass(frozen=True, slots=True)
class LegInputs:
    """What each leg was valued with: IV (annual decimal) and where it came from, the model."""

    iv: float | None
    iv_source: str
    model: str


@dataclass(frozen=True, slots=True)
class Prepared:
    symbol: str
    info: SymbolInfo
    legs: tuple[Leg, ...]
    market: MarketInputs
    inputs: tuple[LegInputs, ...]
    spot_as_of: datetime
    source: str
    stale: bool
    warnings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AnalysisOutcome:
    prepared: Prepared
    analysis: PositionAnalysis


def instant_of(value: date | datetime, calendar_close: datetime | None = None) -> datetime:
    """A date means that day's close (``calendar_close`` when given, else 16:00 ET)."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise AnalysisRequestError(
                f"{value.isoformat()}: a date-time needs a timezone offset (e.g. Z)"
            )
        return value
    return calendar_close or et_wall_clock(value, REGULAR_CLOSE_ET)


def pricing_model_for(info: SymbolInfo) -> PricingModel:
    """American FD for American-style roots (stocks, ETFs), BSM for European-style (indexes)."""
    return position_model(exercise_style(info.symbol, info.kind))


class AnalysisService:
    def __init__(
        self,
        market: MarketDataService,
        chains: ChainService,
        levels: LevelsService | None,
        risk_free_rate: float,
        *,
        clock: Clock = system_clock,
    ) -> None:
        self.market = market
        self.chains = chains
        self.levels = levels
        self.r = risk_free_rate
        self._clock = clock

    def close_of(self, d: date) -> datetime:
        cal = self.market.calendar
        return cal.expiration_close(d) if cal.is_session(d) else et_wall_clock(d, REGULAR_CLOSE_ET)

    async def _chain(self, symbol: str, expiration: date, warnings: list[str]) -> ChainTable | None:
        try:
            return await self.chains.chain(symbol, expiration)
        except AICoachError as exc:
            if exc.status_code >= 500:
                warnings.append(f"{symbol} {expiration} chain unavailable ({exc.message}).")
            else:
                warnings.append(f"{symbol} {expiration}: no chain ({exc.message}).")
            return None

    async def prepare(self, specs: Sequence[LegSpec], scenario: Scenario) -> Prepared:
        """Resolve every market input for ``specs`` (see the module docstring)."""
        if not specs:
            raise AnalysisRequestError("legs: give at least one leg")
        names = sorted({normalize_symbol(s.symbol) for s in specs})
        if len(names) > 1:
            raise AnalysisRequestError(
                f"legs span {', '.join(names)}: analyse one underlying at a time"
            )
        sym = names[0]
        info = (await self.market.symbol(sym)).value
        quote = await self.market.quote(sym)
        now = self._clock()
        valuation_at = scenario.valuation_at or now
        spot = scenario.underlying_price or quote.value.last
        if not (math.isfinite(spot) and spot > 0):
            raise AnalysisRequestError(f"{sym} has no usable price right now")
        cal = self.market.calendar
        for spec in specs:
            if spec.expiration is None:
                continue
            if not cal.is_session(spec.expiration):
                raise AnalysisRequestError(
                    f"{spec.where}.expiration: {spec.expiration} is not a trading session"
                )
            if cal.expiration_close(spec.expiration) <= valuation_at:
                raise ExpirationExpiredError(
                    f"{spec.where}.expiration: {sym} {spec.expiration} has expired "
                    f"before the valuation time {valuation_at.isoformat()}"
                )
        n = len(specs)
        bad = [i for i in scenario.leg_iv_shift_points if not 0 <= i < n]
        if bad:
            raise AnalysisRequestError(
                f"scenario.leg_iv_shift_points: leg index {bad[0]} is out of range 0..{n - 1}"
            )
        warnings: list[str] = []
        chains: dict[date, ChainTable | None] = {}
        for exp in sorted({s.expiration for s in specs if s.expiration is not None}):
            chains[exp] = await self._chain(sym, exp, warnings)
        model = pricing_model_for(info)
        legs: list[Leg] = []
        inputs: list[LegInputs] = []
        for spec in specs:
            iv, source = self._leg_iv(spec, chains, warnings)
            legs.append(Leg(spec.kind, spec.quantity, spec.strike, spec.expiration,
                            spec.entry_price, iv, sym, spec.multiplier))  # fmt: skip
            inputs.append(
                LegInputs(iv, source, "stock" if spec.kind is LegKind.STOCK else model.value)
            )
        closes = {d: cal.expiration_close(d) for d in chains}

        def tte(when: datetime, expiration: date) -> float:
            close = closes.get(expiration) or self.close_of(expiration)
            return t_years(when, close)

        market = MarketInputs(
            spot=float(spot),
            valuation_at=valuation_at,
            r=self.r if scenario.rate is None else scenario.rate,
            q=float(info.dividend_yield),
            time_to_expiry=tte,
            iv_shift_points=scenario.iv_shift_points,
            leg_iv_shift_points=[scenario.leg_iv_shift_points.get(i, 0.0) for i in range(n)],
            pricing_models=[model] * n,
        )
        return Prepared(sym, info, tuple(legs), market, tuple(inputs), quote.as_of,
                        self.market.source, quote.stale, tuple(warnings))  # fmt: skip

    def _leg_iv(
        self, spec: LegSpec, chains: Mapping[date, ChainTable | None], warnings: list[str]
    ) -> tuple[float | None, str]:
        if spec.kind is LegKind.STOCK or spec.strike is None or spec.expiration is None:
            return None, "none"
        if spec.iv is not None:
            return spec.iv, "input"
        table = chains.get(spec.expiration)
        right = OptionRight.CALL if spec.kind is LegKind.CALL else OptionRight.PUT
        what = f"{spec.where} ({spec.kind.value} {spec.strike:g} {spec.expiration})"
        if table is not None:
            iv = table.iv_of(spec.strike, right)
            if iv is not None:
                return iv, "chain"
            atm = table.atm_iv()
            if atm is not None:
                why = "not listed" if table.find(spec.strike, right) is None else "has no mid IV"
                warnings.append(
                    f"{what}: the contract {why}; using the chain's at-the-money IV "
                    f"{atm * 100:.1f}%."
                )
                return atm, "chain-atm"
        warnings.append(f"{what}: no IV from the chain; assuming {FALLBACK_IV * 100:.0f}%.")
        return FALLBACK_IV, "fallback"

    async def _levels(self, symbol: str, warnings: list[str]) -> list[tuple[str, float]]:
        if self.levels is None:
            return []
        try:
            report = await self.levels.key_levels(symbol)
        except AICoachError as exc:
            warnings.append(f"Key levels unavailable: {exc.message}")
            return []
        return [(lv.label, lv.price) for lv in report.levels.all_levels()
                if math.isfinite(lv.price) and lv.price > 0]  # fmt: skip

    async def analyze(self, specs: Sequence[LegSpec], scenario: Scenario) -> AnalysisOutcome:
        prepared = await self.prepare(specs, scenario)
        if not any(leg.is_option for leg in prepared.legs):
            raise AnalysisRequestError("legs: analysis needs at least one option leg")
        first_close = min(
            self.market.calendar.expiration_close(leg.expiration)
            for leg in prepared.legs
            if leg.expiration is not None
        )
        for when in scenario.dates:
            if not prepared.market.valuation_at <= when <= first_close:
                raise AnalysisRequestError(
                    f"scenario.dates: {when.isoformat()} is outside the valuation time "
                    f"{prepared.market.valuation_at.isoformat()} .. first expiry "
                    f"{first_close.isoformat()}"
                )
        warnings = list(prepared.warnings)
        levels = await self._levels(prepared.symbol, warnings)
        # Pricing (American FD above all) is CPU work: off the event loop, so other requests flow.
        result = await asyncio.to_thread(
            analyze_position,
            prepared.legs,
            prepared.market,
            n_prices=scenario.n_prices,
            n_dates=scenario.n_dates,
            chosen_dates=sorted(scenario.dates),
            levels=levels,
        )
        prepared = replace(prepared, warnings=tuple(warnings))
        return AnalysisOutcome(prepared, result)

    async def greeks(self, specs: Sequence[LegSpec]) -> tuple[PositionGreeks, Prepared]:
        """Position Greeks now (dollars; see :class:`PositionGreeks`) for one underlying."""
        prepared = await self.prepare(specs, Scenario())
        spot = prepared.market.spot
        if not any(leg.is_option for leg in prepared.legs):
            shares = float(sum(leg.units for leg in prepared.legs))
            return PositionGreeks(shares, shares * spot, 0.0, 0.0, 0.0, 0.0), prepared
        valuer = PositionValuer(prepared.legs, prepared.market)
        rows = await asyncio.to_thread(leg_greeks, valuer)
        return position_greeks(rows, spot), prepared


def _money(x: float) -> str:
    a = abs(x)
    return f"${a:,.0f}" if a >= 10 else f"${a:,.2f}"


def greek_phrases(g: PositionGreeks, symbol: str) -> dict[str, str]:
    """Plain-English readings of dollar Greeks (e.g. "losing $38 a day to theta")."""
    d, th, v = g.delta_shares, g.theta_dollars_per_day, g.vega_dollars_per_vol_point
    gm = g.gamma_shares_per_dollar
    side = "long" if d > 0 else "short"
    out = {
        "delta": (
            f"acts like {abs(d):,.0f} share{'' if round(abs(d)) == 1 else 's'} {side} {symbol}: "
            f"{'makes' if d > 0 else 'loses'} about {_money(d)} per $1 rise in {symbol}"
            if abs(d) >= 0.5
            else f"roughly delta-neutral: under $1 per $1 move in {symbol}"
        ),
        "gamma": (
            f"delta {'grows' if gm > 0 else 'shrinks'} by {abs(gm):,.1f} shares per $1 rise "
            f"in {symbol}"
        ),
        "theta": (
            f"losing {_money(th)} a day to theta"
            if th < 0
            else f"earning {_money(th)} a day from theta (time decay works for you)"
        ),
        "vega": (
            f"{'gains' if v >= 0 else 'loses'} {_money(v)} for each 1-point rise in implied "
            f"volatility"
        ),
    }
    return out
