"""The offline coach's options answers, from the typed tool results: expirations, a chain, and
a position analysis (also used by the positions skills).

Same rule as every skill: numbers only from this turn's results, formatted by
``chat.offline.fmt``; a missing value drops its sentence, it never prints "None".
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from aicoach.chat.offline.answers import error_line, source_line
from aicoach.chat.offline.fmt import (
    day,
    fraction_percent,
    money,
    percent,
    shares,
    signed_money,
    strike,
    when,
)
from aicoach.coach.tools import ToolError
from aicoach.kit.words import count
from aicoach.options.tool_models import (
    AnalysisResult,
    ChainResult,
    ChainRow,
    ChainSide,
    ExpirationsResult,
)

# --- expirations ------------------------------------------------------------------------------


def expirations_text(d: ExpirationsResult, today: date) -> str:
    rows = sorted(d.expirations, key=lambda r: r.expiration)
    if not rows:
        return f"No option expirations are listed for {d.symbol}."
    shown = []
    for row in rows[:8]:
        days = count(row.days, "day")
        notes = [x for x in (row.cycle, days) if x]
        shown.append(f"- {day(row.expiration, this_year=today.year)} ({', '.join(notes)})")
    lines = [f"**{d.symbol} option expirations**, nearest first:", *shown]
    monthly = [r.expiration for r in rows if r.cycle == "monthly"]
    if monthly:
        lines.append(f"Next standard monthly: {day(monthly[0], this_year=today.year)}.")
    if len(rows) > 8:
        lines.append(f"The listing runs out to {day(rows[-1].expiration, this_year=today.year)}.")
    return "\n".join(lines)


# --- chains -----------------------------------------------------------------------------------


def _side(c: ChainSide | None) -> str | None:
    if c is None:
        return None
    parts = []
    if c.bid is not None and c.ask is not None:
        parts.append(f"bid {money(c.bid)} / ask {money(c.ask)}")
    extras = []
    if c.iv is not None:
        extras.append(f"IV {fraction_percent(c.iv)}")
    if c.delta is not None:
        extras.append(f"delta {c.delta:.2f}")
    if extras:
        parts.append("(" + ", ".join(extras) + ")")
    return " ".join(parts) or None


def _atm_line(row: ChainRow) -> str:
    line = f"At the money, the **{strike(row.strike)} strike**:"
    if (c := _side(row.call)) is not None:
        line += f" call {c}"
    if (p := _side(row.put)) is not None:
        line += ("; " if row.call is not None else " ") + f"put {p}"
    return line + "."


def _iv_line(d: ChainResult, row: ChainRow) -> str | None:
    if d.atm_iv is not None:
        return (f"At-the-money implied volatility for this expiration: "
                f"**{fraction_percent(d.atm_iv)}**.")  # fmt: skip
    ivs = [
        fraction_percent(s.iv) for s in (row.call, row.put) if s is not None and s.iv is not None
    ]
    if not ivs:
        return None
    both = " (call) and ".join(ivs) + (" (put)" if len(ivs) == 2 else "")
    return f"At-the-money implied volatility for this expiration: {both}."


def _open_interest_line(rows: list[ChainRow]) -> str | None:
    best: tuple[float, str, float] | None = None
    for r in rows:
        for right, side in (("call", r.call), ("put", r.put)):
            oi = side.open_interest if side is not None else None
            if oi is not None and (best is None or oi > best[0]):
                best = (oi, right, r.strike)
    if best is None or best[0] <= 0:
        return None
    return (f"Most open interest on the card: the {strike(best[2])} {best[1]} "
            f"({best[0]:,.0f} contracts).")  # fmt: skip


def chain_text(d: ChainResult, today: date, *, asked: str | None, iv: bool) -> str:
    """The chain answer; ``asked`` echoes the trader's date phrase, ``iv`` adds the ATM IV."""
    sym, spot = d.symbol, d.underlying_price
    head = f"**{sym} options expiring {day(d.expiration, this_year=today.year)}**"
    to_expiry = f" ({count(d.days_to_expiry, 'day')} to expiry)"
    head += to_expiry if d.days_to_expiry else " (expires today)"
    if spot is not None:
        head += f" — {sym} at {money(spot)}"
    lines = [head + "."]
    if asked is not None:
        lines.append(f"That's the listed expiration closest to {asked}.")
    rows = [r for r in d.rows if r.strike]
    if not rows:
        lines.append("The chain came back empty.")
        return "\n".join(lines)
    atm = min(rows, key=lambda r: abs(r.strike - spot)) if spot is not None else (
        rows[len(rows) // 2])  # fmt: skip
    lines.append(_atm_line(atm))
    if iv:
        lines.append(_iv_line(d, atm) or "")
    lines.append(_open_interest_line(rows) or "")
    lo, hi = rows[0].strike, rows[-1].strike
    if lo != hi:
        lines.append(f"The card lists strikes from {strike(lo)} to {strike(hi)}.")
    lines.append(source_line(d.source, d.as_of, d.stale, today))
    return "\n".join(x for x in lines if x)


# --- position analyses ------------------------------------------------------------------------


def _greeks_text(d: AnalysisResult) -> str | None:
    g = d.greeks
    parts = []
    if g.delta is not None:
        parts.append(f"delta {shares(g.delta)} shares {'long' if g.delta >= 0 else 'short'}")
    if g.theta_per_day is not None:
        parts.append(f"theta {signed_money(g.theta_per_day)} a day")
    if g.vega_per_vol_point is not None:
        parts.append(f"vega {signed_money(g.vega_per_vol_point)} per IV point")
    if g.gamma is not None:
        parts.append(f"gamma {g.gamma:.2f} shares per dollar")
    return ("Greeks: " + ", ".join(parts) + ".") if parts else None


def _expiry_text(d: AnalysisResult, today: date) -> str | None:
    parts = []
    if d.max_gain_unlimited:
        parts.append("max gain unlimited")
    elif d.max_gain is not None:
        parts.append(f"max gain {money(d.max_gain)}")
    if d.max_loss_unlimited:
        parts.append("max loss **unlimited**")
    elif d.max_loss is not None:
        parts.append(f"max loss {money(d.max_loss)}")
    bes = [b for b in d.breakevens if b is not None]
    if bes:
        word = "breakeven " if len(bes) == 1 else "breakevens "
        parts.append(word + " and ".join(money(b) for b in bes))
    if d.probability_of_profit_percent is not None:
        parts.append(f"probability of profit {percent(d.probability_of_profit_percent)}")
    if not parts:
        return None
    return (
        f"At expiration ({day(d.first_expiration, this_year=today.year)}): "
        + ", ".join(parts)
        + "."
    )


def _levels_text(d: AnalysisResult) -> str | None:
    """P&L at expiry at the two key levels nearest the price."""
    spot = d.spot
    rows = [r for r in d.pnl_at_levels if r.price is not None and r.label]
    if spot is None or not rows:
        return None
    rows.sort(key=lambda r: abs((r.price or 0.0) - spot))
    out = [
        f"at {r.label} ({money(r.price or 0.0)}) the P&L at expiry would be "
        f"{signed_money(r.pnl_at_expiry)}"
        for r in rows[:2]
        if r.pnl_at_expiry is not None
    ]
    return ("Near the key levels: " + "; ".join(out) + ".") if out else None


def _scenario_text(d: AnalysisResult, args: Mapping[str, Any], today: date) -> str | None:
    """The what-if, said from the result (the trader's own numbers are not echoed: the result
    holds the price it used, not the IV shift)."""
    parts = []
    if "underlying_price" in args and d.spot is not None:
        parts.append(f"the underlying at {money(d.spot)}")
    if "iv_shift_points" in args:
        parts.append("implied volatility shifted as you described")
    if "valuation_date" in args:
        parts.append(f"valued {when(d.valuation_at, today=today)}")
    return ("Scenario: " + ", ".join(parts) + ".") if parts else None


def analysis_title(d: AnalysisResult) -> str:
    return d.strategy or "Position"


def analysis_text(
    d: AnalysisResult | ToolError, args: Mapping[str, Any], today: date, *, compact: bool = False
) -> str:
    """One analysed position; ``args`` are the call's arguments (which what-if was asked)."""
    if isinstance(d, ToolError):
        return error_line(d.error)
    lines = [f"**{analysis_title(d)}**"]
    scenario = _scenario_text(d, args, today)
    if scenario is not None:
        lines.append(scenario)
    now_parts = []
    if d.spot is not None:
        now_parts.append(f"with {d.symbol} at {money(d.spot)}" if d.symbol else
                         f"at {money(d.spot)}")  # fmt: skip
    if d.value_now is not None:
        now_parts.append(f"it's worth {money(d.value_now)}")
    if d.entry_cost:
        kind = "debit" if d.entry_cost > 0 else "credit"
        now_parts.append(f"opened for a {kind} of {money(d.entry_cost)}")
    if d.pnl_now is not None:
        now_parts.append(f"P&L {signed_money(d.pnl_now)}")
    if now_parts:
        lines.append(("Then: " if scenario else "Now: ") + ", ".join(now_parts) + ".")
    lines.extend(x for x in (_greeks_text(d), _expiry_text(d, today)) if x)
    if not compact:
        if d.expected_move is not None:
            lines.append(f"The options price a one-sigma move of about {money(d.expected_move)} "
                         "by then.")  # fmt: skip
        if (lv := _levels_text(d)) is not None:
            lines.append(lv)
        lines.extend(f"- Note: {w}" for w in d.warnings[:3])
    return "\n".join(lines)
