"""Positions use cases: create (one leg or a strategy), edit, delete, group, portfolio Greeks.

Validation beyond the schema (every failure is a 422 whose message starts with the field):

* the symbol must be known to the market-data provider;
* all legs of one strategy share an underlying;
* an option's expiration must be listed and not yet closed, and its strike must be in that
  expiration's chain for its right (checked against the provider's chain).

After any change the strategy's ``name`` is re-recognised from its current legs
(:func:`aicoach.options.core.strategies.recognize`); deleting the last leg deletes the strategy.
Services flush but never commit: the request transaction does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from aicoach.errors import AICoachError, NotFoundError, ValidationFailedError
from aicoach.kit.clock import Clock, system_clock
from aicoach.marketdata.errors import SymbolNotFoundError
from aicoach.marketdata.models import OptionRight
from aicoach.marketdata.service import MarketDataService, normalize_symbol
from aicoach.options.chain import ChainService
from aicoach.options.core.legs import Leg, LegKind
from aicoach.options.core.portfolio import (
    BENCHMARK,
    PortfolioGreeks,
    PositionExposure,
    portfolio_greeks,
)
from aicoach.options.core.strategies import StrategyRecognition, format_strike, recognize
from aicoach.options.errors import ExpirationNotListedError, StrikeNotListedError
from aicoach.options.service import AnalysisService, LegSpec
from aicoach.positions.errors import (
    PositionInputError,
    PositionNotFoundError,
    StrategyNotFoundError,
)
from aicoach.positions.models import Position, PositionKind, Strategy
from aicoach.positions.repository import PositionRepository
from aicoach.positions.schemas import (
    LegCreate,
    PositionUpdate,
    StrategyCreate,
    StrategyRead,
)


def pure_leg(p: Position) -> Leg:
    """The pure-core leg of a stored position (floats; no IV yet)."""
    return Leg(
        LegKind(p.kind.value),
        p.quantity,
        None if p.strike is None else float(p.strike),
        p.expiration,
        float(p.entry_price),
        None,
        p.symbol,
        p.multiplier,
    )


def leg_spec(p: Position, where: str) -> LegSpec:
    return LegSpec(p.symbol, LegKind(p.kind.value), None if p.strike is None else float(p.strike),
                   p.expiration, p.quantity, float(p.entry_price), p.multiplier, None,
                   where)  # fmt: skip


class PositionLegs:
    """The options slice's ``SavedLegs`` port over the trader's saved positions."""

    async def leg_specs(
        self, session: AsyncSession, user_id: int, ids: Sequence[int]
    ) -> list[LegSpec]:
        rows = await PositionRepository(session).positions_by_ids(user_id, ids)
        missing = sorted(set(ids) - {p.id for p in rows})
        if missing:
            raise NotFoundError(f"You have no position {', '.join(map(str, missing))}.")
        return [leg_spec(p, f"position {p.id}") for p in rows]


def recognise(legs: Sequence[Position]) -> StrategyRecognition:
    return recognize([pure_leg(p) for p in legs])


@dataclass(frozen=True, slots=True)
class PortfolioResult:
    body: dict[str, object]
    warnings: list[str]


class PositionService:
    def __init__(
        self,
        repo: PositionRepository,
        market: MarketDataService,
        chains: ChainService,
        *,
        clock: Clock = system_clock,
    ) -> None:
        self.repo = repo
        self.market = market
        self.chains = chains
        self._clock = clock

    # --- validation ----------------------------------------------------------------------------

    async def _symbol(self, raw: str, where: str) -> str:
        try:
            sym = normalize_symbol(raw)
            return (await self.market.symbol(sym)).value.symbol
        except SymbolNotFoundError as exc:
            raise PositionInputError(f"{where}.symbol: unknown symbol '{raw.strip()}'") from exc
        except ValidationFailedError as exc:
            raise PositionInputError(f"{where}.symbol: {exc.message}") from exc

    async def _check_option(
        self, sym: str, kind: PositionKind, strike: Decimal, expiration: date, where: str
    ) -> None:
        try:
            await self.chains.check_expiration(sym, expiration, field=f"{where}.expiration")
        except ExpirationNotListedError as exc:  # a body field, so 422 rather than 404
            raise PositionInputError(exc.message) from exc
        table = await self.chains.chain(sym, expiration)
        right = OptionRight.CALL if kind is PositionKind.CALL else OptionRight.PUT
        if table.find(float(strike), right) is not None:
            return
        listed = table.strikes
        near = sorted(sorted(listed, key=lambda k: (abs(k - float(strike)), k))[:3])
        hint = f"; nearest: {', '.join(format_strike(k) for k in near)}" if near else ""
        raise StrikeNotListedError(
            f"{where}.strike: {format_strike(float(strike))} is not a listed {right.value} "
            f"strike for {sym} {expiration.isoformat()}{hint}"
        )

    async def _validated(self, leg: LegCreate, where: str) -> str:
        sym = await self._symbol(leg.symbol, where)
        if leg.kind is not PositionKind.STOCK and leg.strike and leg.expiration:  # schema-checked
            await self._check_option(sym, leg.kind, leg.strike, leg.expiration, where)
        return sym

    # --- use cases -----------------------------------------------------------------------------

    async def create(self, user_id: int, body: LegCreate | StrategyCreate) -> StrategyRead:
        legs = body.legs if isinstance(body, StrategyCreate) else [body]
        label = body.label if isinstance(body, StrategyCreate) else None
        prefix = "legs" if isinstance(body, StrategyCreate) else ""
        symbols: list[str] = []
        for i, leg in enumerate(legs):
            where = f"{prefix}[{i}]" if prefix else "body"
            symbols.append(await self._validated(leg, where))
        if len(set(symbols)) > 1:
            raise PositionInputError(
                f"legs: all legs of one strategy share an underlying, got "
                f"{', '.join(sorted(set(symbols)))}"
            )
        now = self._clock()
        rows = [
            Position(
                user_id=user_id, symbol=sym, kind=leg.kind, strike=leg.strike,
                expiration=leg.expiration, quantity=leg.quantity, entry_price=leg.entry_price,
                multiplier=leg.multiplier, opened_at=leg.opened_at or now, notes=leg.notes,
            )
            for sym, leg in zip(symbols, legs, strict=True)
        ]  # fmt: skip
        found = recognise(rows)
        strategy = Strategy(user_id=user_id, underlying=symbols[0], name=found.name.value,
                            label=label)  # fmt: skip
        await self.repo.add(strategy)
        for row in rows:
            row.strategy_id = strategy.id
            await self.repo.add(row)
        return StrategyRead.of(strategy, rows, found.label)

    async def get(self, user_id: int, position_id: int) -> Position:
        row = await self.repo.position(user_id, position_id)
        if row is None:
            raise PositionNotFoundError(f"No position {position_id}.")
        return row

    async def get_strategy(self, user_id: int, strategy_id: int) -> StrategyRead:
        strategy = await self.repo.strategy(user_id, strategy_id)
        if strategy is None:
            raise StrategyNotFoundError(f"No strategy {strategy_id}.")
        legs = await self.repo.legs_of(strategy.id)
        return StrategyRead.of(strategy, legs, recognise(legs).label)

    async def update(self, user_id: int, position_id: int, body: PositionUpdate) -> Position:
        row = await self.get(user_id, position_id)
        changes = body.model_dump(exclude_unset=True)
        for name in ("quantity", "entry_price"):
            if name in changes and changes[name] is None:
                raise PositionInputError(f"{name}: cannot be null")
        if row.kind is PositionKind.STOCK and (
            changes.get("strike") is not None or changes.get("expiration") is not None
        ):
            raise PositionInputError("strike/expiration: a stock leg has neither")
        if row.kind is not PositionKind.STOCK and (
            ("strike" in changes and changes["strike"] is None)
            or ("expiration" in changes and changes["expiration"] is None)
        ):
            raise PositionInputError("strike/expiration: an option leg needs both")
        strike: Decimal | None = changes.get("strike", row.strike)
        expiration: date | None = changes.get("expiration", row.expiration)
        moved = strike != row.strike or expiration != row.expiration
        if row.kind is not PositionKind.STOCK and moved and strike and expiration:
            await self._check_option(row.symbol, row.kind, strike, expiration, "body")
        for name, value in changes.items():
            if name == "notes" and value is None:
                value = ""
            if name == "opened_at" and value is None:
                continue
            setattr(row, name, value)
        await self.repo.session.flush()
        await self._rename(row.strategy_id)
        return row

    async def _rename(self, strategy_id: int) -> None:
        strategy = await self.repo.session.get(Strategy, strategy_id)
        legs = await self.repo.legs_of(strategy_id)
        if strategy is None:
            return
        if not legs:
            await self.repo.delete(strategy)
            return
        strategy.name = recognise(legs).name.value
        await self.repo.session.flush()

    async def delete(self, user_id: int, position_id: int) -> None:
        row = await self.get(user_id, position_id)
        strategy_id = row.strategy_id
        await self.repo.delete(row)
        await self._rename(strategy_id)

    async def strategies(self, user_id: int) -> list[StrategyRead]:
        by_strategy: dict[int, list[Position]] = {}
        for p in await self.repo.positions(user_id):
            by_strategy.setdefault(p.strategy_id, []).append(p)
        return [
            StrategyRead.of(s, by_strategy.get(s.id, []), recognise(by_strategy[s.id]).label)
            for s in await self.repo.strategies(user_id)
            if s.id in by_strategy
        ]

    async def relabel(self, user_id: int, strategy_id: int, label: str | None) -> StrategyRead:
        strategy = await self.repo.strategy(user_id, strategy_id)
        if strategy is None:
            raise StrategyNotFoundError(f"No strategy {strategy_id}.")
        strategy.label = label
        await self.repo.session.flush()
        return await self.get_strategy(user_id, strategy_id)

    async def delete_strategy(self, user_id: int, strategy_id: int) -> None:
        strategy = await self.repo.strategy(user_id, strategy_id)
        if strategy is None:
            raise StrategyNotFoundError(f"No strategy {strategy_id}.")
        for leg in await self.repo.legs_of(strategy.id):
            await self.repo.delete(leg)
        await self.repo.delete(strategy)

    async def portfolio(self, user_id: int, analysis: AnalysisService) -> PortfolioResult:
        """Net Greeks per underlying and in total, beta-weighted to SPY (see ``portfolio.py``).

        Legs whose expiration has closed are left out (they are no longer exposure) and named
        in the warnings; so is an underlying whose Greeks could not be computed.
        """
        now = self._clock()
        cal = self.market.calendar
        groups: dict[str, list[LegSpec]] = {}
        warnings: list[str] = []
        for p in await self.repo.positions(user_id):
            if p.expiration is not None and (
                not cal.is_session(p.expiration) or cal.expiration_close(p.expiration) <= now
            ):
                warnings.append(f"position {p.id} ({p.symbol} {p.expiration}) has expired")
                continue
            groups.setdefault(p.symbol, []).append(leg_spec(p, f"position {p.id}"))
        exposures: list[PositionExposure] = []
        betas: dict[str, float] = {}
        for sym, specs in sorted(groups.items()):
            try:
                greeks, prepared = await analysis.greeks(specs)
            except AICoachError as exc:
                if exc.status_code >= 500:
                    raise
                warnings.append(f"{sym}: left out ({exc.message})")
                continue
            warnings.extend(prepared.warnings)
            exposures.append(PositionExposure(sym, prepared.market.spot, greeks))
            if prepared.info.beta is not None and math.isfinite(prepared.info.beta):
                betas[sym] = prepared.info.beta
        spy = await self.market.quote(BENCHMARK)
        result = portfolio_greeks(exposures, betas, spy.value.last)
        body = result.to_dict()
        body.update(phrases=portfolio_phrases(result), warnings=warnings, as_of=now)
        return PortfolioResult(body, warnings)


def _usd(x: float) -> str:
    return f"${abs(x):,.0f}" if abs(x) >= 10 else f"${abs(x):,.2f}"


def portfolio_phrases(g: PortfolioGreeks) -> dict[str, str]:
    """Plain-English readings of the portfolio totals."""
    bwd, th, v = g.beta_weighted_delta, g.theta_dollars_per_day, g.vega_dollars_per_vol_point
    one_pct = g.beta_weighted_delta_dollars / 100.0
    return {
        "beta_weighted_delta": (
            f"moves like {abs(bwd):,.0f} SPY shares {'long' if bwd >= 0 else 'short'}: about "
            f"{_usd(one_pct)} {'made' if one_pct >= 0 else 'lost'} per 1% rise in SPY"
        ),
        "theta": (
            f"losing {_usd(th)} a day to theta"
            if th < 0
            else f"earning {_usd(th)} a day from theta"
        ),
        "vega": (
            f"{'gains' if v >= 0 else 'loses'} {_usd(v)} for each 1-point rise in implied "
            "volatility across the book"
        ),
    }
