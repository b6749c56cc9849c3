"""Positions use cases: create (one leg or a strategy), edit, delete, group, close, portfolio
Greeks.

Validation beyond the schema (every failure is a 422 whose message starts with the field):

* the symbol must be known to the market-data provider;
* all legs of one strategy share an underlying;
* an option's expiration must be listed and not yet closed, and its strike must be in that
  expiration's chain for its right (checked against the provider's chain).

After any change the strategy's ``name`` is re-recognised from its current legs
(:func:`aicoach.options.core.strategies.recognize`); deleting the last leg deletes the strategy.
Closing a strategy (:meth:`PositionService.close_strategy`) prices every leg — the trader's
price, else the current mid (an option's chain mid, a stock's bid/ask mid or last) — and records
the realized P&L exactly in ``Decimal``: ``sum((close - entry) * quantity * multiplier)`` (shares
for stock). A strategy closes once (a second close is a 409); its legs are then read-only
(edits and single-leg deletes are 409s; deleting the whole strategy still works). Closed legs
are no longer exposure: the portfolio Greeks leave them out.

Services flush but never commit: the request transaction does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date
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
    StrategyClosedError,
    StrategyNotFoundError,
)
from aicoach.positions.models import Position, PositionKind, Strategy
from aicoach.positions.repository import PositionRepository
from aicoach.positions.schemas import (
    LegCreate,
    PositionUpdate,
    StrategyClose,
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


def describe_leg(p: Position) -> str:
    """ "position 12 (SPY 2026-12-18 700 call)" / "position 3 (SPY shares)", for messages."""
    if p.kind is PositionKind.STOCK or p.strike is None or p.expiration is None:
        return f"position {p.id} ({p.symbol} shares)"
    strike = format_strike(float(p.strike))
    return f"position {p.id} ({p.symbol} {p.expiration.isoformat()} {strike} {p.kind.value})"


def signed_usd(x: Decimal) -> str:
    """+$1,234.50 / −$12.00 (cents, the real minus sign)."""
    cents = x.quantize(Decimal("0.01"))
    sign = "\u2212" if cents < 0 else "+" if cents > 0 else ""
    return f"{sign}${abs(cents):,.2f}"


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

    async def _refuse_closed(self, row: Position, doing: str) -> None:
        if row.closed_at is not None:
            raise StrategyClosedError(
                f"Position {row.id} was closed on {row.closed_at.date().isoformat()}: a closed "
                f"position cannot be {doing}. Delete the whole strategy to remove it."
            )

    async def update(self, user_id: int, position_id: int, body: PositionUpdate) -> Position:
        row = await self.get(user_id, position_id)
        await self._refuse_closed(row, "edited")
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
        await self._refuse_closed(row, "deleted on its own")
        strategy_id = row.strategy_id
        await self.repo.delete(row)
        await self._rename(strategy_id)

    async def strategies(self, user_id: int, *, include_closed: bool = False) -> list[StrategyRead]:
        """The caller's strategies, oldest first: the open ones, and the closed ones too when
        ``include_closed`` (the API's list; the coach's tools want exposure only)."""
        by_strategy: dict[int, list[Position]] = {}
        for p in await self.repo.positions(user_id):
            by_strategy.setdefault(p.strategy_id, []).append(p)
        return [
            StrategyRead.of(s, by_strategy.get(s.id, []), recognise(by_strategy[s.id]).label)
            for s in await self.repo.strategies(user_id, open_only=not include_closed)
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

    async def _current_mid(self, p: Position) -> Decimal:
        """The leg's price now, dollars per share: the chain's mid for an option, the bid/ask mid
        (else the last trade) for stock. A 422 naming the leg when there is none."""
        try:
            if p.kind is PositionKind.STOCK or p.strike is None or p.expiration is None:
                q = (await self.market.quote(p.symbol)).value
                bid, ask = q.bid, q.ask
                two_sided = bid is not None and ask is not None and 0 < bid <= ask
                mid = (bid + ask) / 2 if two_sided and bid and ask else q.last
            else:
                table = await self.chains.chain(p.symbol, p.expiration)
                right = OptionRight.CALL if p.kind is PositionKind.CALL else OptionRight.PUT
                i = table.find(float(p.strike), right)
                mid = math.nan if i is None else float(table.mid[i])
        except AICoachError as exc:
            if exc.status_code >= 500:
                raise
            raise PositionInputError(
                f"legs: {describe_leg(p)} has no current price ({exc.message}); give its "
                "close_price"
            ) from exc
        if not math.isfinite(mid) or mid < 0:
            raise PositionInputError(
                f"legs: {describe_leg(p)} has no current mid (no two-sided quote); give its "
                "close_price"
            )
        return Decimal(f"{mid:.6f}")

    async def close_strategy(
        self, user_id: int, strategy_id: int, body: StrategyClose
    ) -> StrategyRead:
        """Close every leg of a strategy at the given prices (the rest at the current mid) and
        record the realized P&L; a 409 when it is already closed."""
        strategy = await self.repo.strategy(user_id, strategy_id)
        if strategy is None:
            raise StrategyNotFoundError(f"No strategy {strategy_id}.")
        legs = await self.repo.legs_of(strategy.id)
        title = recognise(legs).label
        if strategy.closed_at is not None:
            realized = signed_usd(strategy.realized_pnl or Decimal(0))
            raise StrategyClosedError(
                f"{strategy.underlying} {title} was already closed on "
                f"{strategy.closed_at.date().isoformat()} (realized P&L {realized})."
            )
        by_id = {p.id: p for p in legs}
        given: dict[int, Decimal] = {}
        for i, leg in enumerate(body.legs):
            if leg.position_id not in by_id:
                ids = ", ".join(str(p.id) for p in legs)
                raise PositionInputError(
                    f"legs[{i}].position_id: position {leg.position_id} is not a leg of this "
                    f"strategy (its legs: {ids})"
                )
            if leg.close_price is not None:
                given[leg.position_id] = leg.close_price
        prices = {p.id: given[p.id] if p.id in given else await self._current_mid(p) for p in legs}
        when = (body.closed_at or self._clock()).astimezone(UTC)
        if when < min(p.opened_at for p in legs):
            raise PositionInputError("closed_at: cannot be before the position was opened")
        total = Decimal(0)
        for p in legs:
            p.close_price = prices[p.id]
            p.closed_at = when
            total += p.realized_pnl or Decimal(0)
        strategy.closed_at = when
        strategy.realized_pnl = total
        await self.repo.session.flush()
        return StrategyRead.of(strategy, legs, title)

    async def portfolio(self, user_id: int, analysis: AnalysisService) -> PortfolioResult:
        """Net Greeks per underlying and in total, beta-weighted to SPY (see ``portfolio.py``).

        Legs whose expiration has closed are left out (they are no longer exposure) and named
        in the warnings; so is an underlying whose Greeks could not be computed.
        """
        now = self._clock()
        cal = self.market.calendar
        groups: dict[str, list[LegSpec]] = {}
        warnings: list[str] = []
        for p in await self.repo.positions(user_id, open_only=True):
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
