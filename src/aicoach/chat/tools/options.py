"""Options and positions tools: expirations, a chain around the money, position analysis, the
trader's positions and portfolio Greeks. They call the options and positions services (the same
code the HTTP API runs); the trader's positions are read with ``ctx.user_id`` only."""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from aicoach.chat.tools.market import Symbol, market_citation, money, pct
from aicoach.chat.tools.registry import Card, Citation, ToolContext, ToolRegistry, ToolResult
from aicoach.errors import AICoachError, NotFoundError, ValidationFailedError
from aicoach.options.chain import ChainService
from aicoach.options.core.analysis import PositionValuer, leg_greeks
from aicoach.options.core.legs import LegKind
from aicoach.options.deps import get_chain_service
from aicoach.options.service import AnalysisService, LegSpec, Scenario, instant_of
from aicoach.positions.models import Position
from aicoach.positions.repository import PositionRepository
from aicoach.positions.service import PositionService, leg_spec

MAX_EXPIRATIONS = 30
RISK_GRAPH_POINTS = 61


class LegIn(BaseModel):
    """A hypothetical leg (not saved): quantity + long / − short, price in dollars per share."""

    model_config = ConfigDict(extra="forbid")
    symbol: str = Field(min_length=1, max_length=20)
    kind: Literal["call", "put", "stock"]
    strike: float | None = Field(None, gt=0, description="Dollars; options only.")
    expiration: date | None = Field(None, description="YYYY-MM-DD; options only.")
    quantity: int = Field(description="Contracts (options) or shares; negative = short.")
    entry_price: float = Field(gt=0, description="Dollars per share paid or received.")
    iv: float | None = Field(None, gt=0, le=5, description="Annual IV (0.25 = 25 %); optional.")


def _services(ctx: ToolContext) -> tuple[ChainService, AnalysisService]:
    state = ctx.state
    chains = get_chain_service(state)
    analysis = AnalysisService(state.market, chains, state.levels, state.settings.risk_free_rate)
    return chains, analysis


def _your_data(ctx: ToolContext, label: str) -> Citation:
    phase = ctx.state.market.calendar.phase_at(ctx.now).value
    return Citation("your data", ctx.now, phase, label)


def _num(x: Any, digits: int = 4) -> float | None:
    if x is None:
        return None
    f = float(x)
    return round(f, digits) if math.isfinite(f) else None


async def get_expirations(ctx: ToolContext, symbol: Symbol) -> ToolResult:
    """Option expirations listed for a symbol that have not expired, nearest first, with
    calendar days to expiry and the cycle (monthly, weekly, daily)."""
    chains, _ = _services(ctx)
    listed, as_of, stale = await chains.expirations(symbol)
    sym = symbol.strip().upper()
    rows = [
        {"expiration": e.expiration.isoformat(), "days": e.days_to_expiry, "cycle": e.cycle.value}
        for e in listed[:MAX_EXPIRATIONS]
    ]
    data = {"symbol": sym, "expirations": rows, "total_listed": len(listed), "stale": stale}
    cite = market_citation(ctx, f"{sym} expirations", as_of, chains.market.source)
    first = f", nearest {rows[0]['expiration']}" if rows else ""
    return ToolResult(data, (cite,), (), f"{sym}: {len(listed)} expirations{first}")


async def get_options_chain(
    ctx: ToolContext,
    symbol: Symbol,
    expiration: Annotated[date, Field(description="Expiration date, YYYY-MM-DD.")],
    strikes_around_atm: Annotated[
        int, Field(ge=1, le=30, description="Strikes on each side of the money.")
    ] = 10,
) -> ToolResult:
    """Calls and puts of one expiration around the money: bid, ask, mid, implied volatility
    (annual, 0.25 = 25 %), delta, gamma, theta (dollars per share per calendar day), vega
    (dollars per share per IV point), volume and open interest, by strike."""
    chains, _ = _services(ctx)
    table = await chains.chain(symbol, expiration)
    strikes = table.strikes
    spot = table.underlying_price
    centre = int(np.argmin([abs(k - spot) for k in strikes])) if strikes else 0
    chosen = strikes[max(0, centre - strikes_around_atm) : centre + strikes_around_atm + 1]
    rows: list[dict[str, Any]] = []
    for k in chosen:
        row: dict[str, Any] = {"strike": k}
        for right in ("call", "put"):
            i = next(
                (j for j, c in enumerate(table.contracts)
                 if c.strike == k and c.right.value == right),
                None,
            )  # fmt: skip
            if i is None:
                row[right] = None
                continue
            c = table.contracts[i]
            row[right] = {
                "bid": money(c.bid), "ask": money(c.ask), "mid": money(float(table.mid[i])),
                "iv": _num(table.iv[i]), "delta": _num(table.delta[i]),
                "gamma": _num(table.gamma[i]), "theta": _num(table.theta_per_day[i]),
                "vega": _num(table.vega_per_vol_point[i]), "volume": c.volume,
                "open_interest": c.open_interest,
            }  # fmt: skip
        rows.append(row)
    atm = table.atm_iv()
    card = {
        "symbol": table.symbol,
        "expiration": table.expiration.isoformat(),
        "underlying_price": money(spot),
        "rows": [
            {"strike": r["strike"]}
            | {
                side: None if r[side] is None
                else {f: r[side][f] for f in ("bid", "ask", "iv", "delta")}
                for side in ("call", "put")
            }
            for r in rows
        ],
    }  # fmt: skip
    data = {
        **card,
        "rows": rows,
        "days_to_expiry": table.days_to_expiry(),
        "atm_iv": _num(atm),
        "model": table.model.value,  # bjerksund-stensland-2002 (American) or bsm-european
        "source": table.source,
        "as_of": table.as_of.isoformat(),
        "stale": table.stale,
    }
    cite = market_citation(
        ctx, f"{table.symbol} {table.expiration} chain", table.as_of, table.source
    )
    atm_text = f", ATM IV {atm * 100:.1f}%" if atm is not None else ""
    summary = f"{table.symbol} {table.expiration}: {len(rows)} strikes{atm_text}"
    return ToolResult(data, (cite,), (Card("options_chain", card),), summary)


async def _owned(ctx: ToolContext, ids: list[int]) -> list[Position]:
    rows = await PositionRepository(ctx.session).positions_by_ids(ctx.user_id, ids)
    missing = sorted(set(ids) - {p.id for p in rows})
    if missing:
        raise NotFoundError(f"You have no position {', '.join(map(str, missing))}.")
    return rows


def _downsample(values: list[Any], n: int) -> list[Any]:
    if len(values) <= n:
        return values
    idx = np.linspace(0, len(values) - 1, n).round().astype(int)
    return [values[i] for i in idx]


async def analyze_position(
    ctx: ToolContext,
    position_ids: Annotated[
        list[int] | None, Field(description="Ids of the trader's saved legs (one underlying).")
    ] = None,
    legs: Annotated[list[LegIn] | None, Field(description="Hypothetical legs instead.")] = None,
    underlying_price: Annotated[
        float | None, Field(gt=0, description="What-if underlying price (dollars).")
    ] = None,
    iv_shift_points: Annotated[
        float, Field(ge=-50, le=200, description="What-if IV change in points (+5 = +5 %).")
    ] = 0.0,
    valuation_date: Annotated[
        date | None, Field(description="What-if valuation date (that day's close).")
    ] = None,
) -> ToolResult:
    """Analyse a position (saved legs by id, or hypothetical legs): P&L now, max gain and max
    loss at the first expiry (dollars; unlimited flagged), breakevens, probability of profit,
    position Greeks in dollars (delta, gamma, theta per day, vega per IV point) and the P&L at
    key levels. What-if inputs: underlying price, IV shift, valuation date."""
    if (position_ids is None) == (legs is None):
        raise ValidationFailedError("Give either position_ids or legs (exactly one of them).")
    _, analysis = _services(ctx)
    if position_ids is not None:
        specs = [leg_spec(p, f"position {p.id}") for p in await _owned(ctx, position_ids)]
    else:
        specs = [
            LegSpec(leg.symbol, LegKind(leg.kind), leg.strike, leg.expiration, leg.quantity,
                    leg.entry_price, 100 if leg.kind != "stock" else 1, leg.iv, f"legs[{i}]")
            for i, leg in enumerate(legs or [])
        ]  # fmt: skip
    valuation = None
    if valuation_date is not None:
        valuation = instant_of(valuation_date, analysis.close_of(valuation_date))
    scenario = Scenario(
        underlying_price=underlying_price,
        iv_shift_points=iv_shift_points,
        valuation_at=valuation,
        n_prices=121,
        n_dates=5,
    )
    outcome = await analysis.analyze(specs, scenario)
    p, a = outcome.prepared, outcome.analysis
    ex, g = a.expiry, a.greeks
    greeks = {
        "delta": money(g.delta_shares), "gamma": _num(g.gamma_shares_per_dollar),
        "theta_per_day": money(g.theta_dollars_per_day),
        "vega_per_vol_point": money(g.vega_dollars_per_vol_point),
    }  # fmt: skip
    breakevens = [money(b) for b in ex.breakevens]
    summary_card = {
        "title": a.strategy.label,
        # quantity in contracts (options) or shares (stock), as the trader entered it
        "legs": [{"label": leg.label, "quantity": p.legs[leg.index].quantity,
                  "price": money(leg.value_per_share)} for leg in a.legs],
        "pnl_now": money(a.pnl_now),
        "max_gain": money(ex.max_gain), "max_loss": money(ex.max_loss),
        "max_gain_unlimited": ex.max_gain_unlimited, "max_loss_unlimited": ex.max_loss_unlimited,
        "breakevens": breakevens,
        "pop": pct(a.probability.pop * 100.0),
        "greeks": greeks,
        "position_ids": position_ids or [],
    }  # fmt: skip
    prices = _downsample([money(x) for x in a.prices.tolist()], RISK_GRAPH_POINTS)
    risk_card = {
        "title": a.strategy.label,
        "prices": prices,
        "expiry_pnl": _downsample([money(x) for x in a.expiry_line.tolist()], RISK_GRAPH_POINTS),
        "today_pnl": _downsample([money(x) for x in a.today_line.tolist()], RISK_GRAPH_POINTS),
        "breakevens": breakevens,
        "spot": money(a.spot),
    }
    data = {
        "symbol": p.symbol,
        "strategy": a.strategy.label,
        "spot": money(a.spot),
        "valuation_at": a.valuation_at.isoformat(),
        "first_expiration": a.first_expiration.isoformat(),
        "entry_cost": money(a.entry_cost),
        "value_now": money(a.value_now),
        **{k: summary_card[k] for k in ("pnl_now", "max_gain", "max_loss", "max_gain_unlimited",
                                        "max_loss_unlimited", "breakevens", "greeks")},
        "probability_of_profit_percent": summary_card["pop"],
        "expected_move": money(a.probability.expected_move),
        "pnl_at_levels": [
            {"label": lv.label, "price": money(lv.price), "pnl_now": money(lv.pnl_now),
             "pnl_at_expiry": money(lv.pnl_at_expiry)}
            for lv in a.levels[:12]
        ],
        "legs": [{"label": leg.label, "iv": _num(leg.sigma), "value_per_share":
                  money(leg.value_per_share), "pnl": money(leg.pnl)} for leg in a.legs],
        "warnings": list(p.warnings),
        "source": p.source,
        "quote_as_of": p.spot_as_of.isoformat(),
    }  # fmt: skip
    cites = [market_citation(ctx, f"{p.symbol} price and options", p.spot_as_of, p.source)]
    if position_ids is not None:
        cites.append(_your_data(ctx, "Your positions"))
    cards = (Card("position_summary", summary_card), Card("risk_graph", risk_card))
    summary = f"{a.strategy.label}: P&L now ${money(a.pnl_now)}"
    return ToolResult(data, tuple(cites), cards, summary)


async def get_positions(ctx: ToolContext) -> ToolResult:
    """The trader's open positions grouped by strategy: legs (kind, strike, expiration,
    quantity, entry price) and the profit or loss now in dollars per strategy."""
    chains, analysis = _services(ctx)
    service = PositionService(PositionRepository(ctx.session), ctx.state.market, chains)
    strategies = await service.strategies(ctx.user_id)
    out: list[dict[str, Any]] = []
    pnl_rows: list[dict[str, Any]] = []
    warnings: list[str] = []
    as_of = ctx.now
    for s in strategies:
        specs = [
            LegSpec(p.symbol, LegKind(p.kind.value), p.strike, p.expiration, p.quantity,
                    p.entry_price, p.multiplier, None, f"position {p.id}")
            for p in s.legs
        ]  # fmt: skip
        pnl: float | None = None
        try:
            prepared = await analysis.prepare(specs, Scenario())
            as_of = min(as_of, prepared.spot_as_of)
            if any(leg.is_option for leg in prepared.legs):
                rows = leg_greeks(PositionValuer(prepared.legs, prepared.market))
                pnl = float(sum(r.pnl for r in rows))
            else:
                spot = prepared.market.spot
                pnl = float(sum(leg.units * (spot - leg.entry_price) for leg in prepared.legs))
        except AICoachError as exc:
            warnings.append(f"{s.title}: P&L unavailable ({exc.message})")
        label = s.label or s.title
        out.append(
            {
                "strategy_id": s.id, "label": label, "structure": s.name,
                "underlying": s.underlying, "pnl_now": money(pnl),
                "legs": [
                    {"position_id": p.id, "kind": p.kind.value, "strike": p.strike,
                     "expiration": p.expiration.isoformat() if p.expiration else None,
                     "quantity": p.quantity, "entry_price": p.entry_price}
                    for p in s.legs
                ],
            }
        )  # fmt: skip
        if pnl is not None:
            pnl_rows.append({"label": label, "pnl": money(pnl)})
    total = money(sum(r["pnl"] or 0.0 for r in pnl_rows)) if pnl_rows else None
    data = {"strategies": out, "total_pnl": total, "warnings": warnings}
    cites = [_your_data(ctx, "Your positions")]
    cards: tuple[Card, ...] = ()
    if pnl_rows:
        cites.append(market_citation(ctx, "Prices for P&L", as_of, ctx.state.market.source))
        sparkline = [r["pnl"] for r in pnl_rows]
        cards = (Card("pnl_tracker", {"total_pnl": total, "positions": pnl_rows,
                                      "sparkline": sparkline}),)  # fmt: skip
    summary = f"{len(out)} strategies" + (f", P&L ${total}" if total is not None else "")
    return ToolResult(data, tuple(cites), cards, summary)


async def get_portfolio_greeks(ctx: ToolContext) -> ToolResult:
    """The trader's whole book: net delta (dollars), gamma, theta per day and vega per IV point
    per underlying and in total, and the SPY beta-weighted delta, with plain-English readings."""
    chains, analysis = _services(ctx)
    service = PositionService(PositionRepository(ctx.session), ctx.state.market, chains)
    result = await service.portfolio(ctx.user_id, analysis)
    body = dict(result.body)
    as_of = body.pop("as_of", ctx.now)
    data = _rounded(body)
    cites = (
        _your_data(ctx, "Your positions"),
        market_citation(ctx, "Portfolio prices", ctx.now, ctx.state.market.source),
    )
    bwd = data.get("beta_weighted_delta")
    summary = f"Beta-weighted delta {bwd} SPY shares" if bwd is not None else "Portfolio Greeks"
    data["as_of"] = as_of.isoformat() if hasattr(as_of, "isoformat") else str(as_of)
    return ToolResult(data, cites, (), summary)


def _rounded(value: Any) -> Any:
    """JSON-safe copy with floats rounded to 4 places (NaN/inf → None)."""
    if isinstance(value, dict):
        return {str(k): _rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    if isinstance(value, float):
        return round(value, 4) if math.isfinite(value) else None
    if isinstance(value, date):
        return value.isoformat()
    return value


def register_options_tools(registry: ToolRegistry) -> None:
    for fn in (
        get_expirations,
        get_options_chain,
        analyze_position,
        get_positions,
        get_portfolio_greeks,
    ):
        registry.register(fn)
