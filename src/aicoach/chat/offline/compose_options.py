"""Offline answers about options: expirations, chains, position analyses, portfolio Greeks.

Same rule as ``compose``: numbers only from this turn's tool results, formatted by ``fmt``.
Result shapes read (defensively — a missing field drops its sentence, never prints "None"):
``get_expirations`` ``{symbol, expirations: [{expiration, days_to_expiry, cycle, is_monthly}]}``
(or ISO strings); ``get_options_chain`` ``{symbol, expiration, days_to_expiry,
underlying_price, strikes|rows: [{strike, call: {bid, ask, iv, delta, open_interest}, put}]}``;
``analyze_position`` the options API's analysis (strategy, spot, pnl_now, greeks, phrases,
expiry, probability, warnings); ``get_positions`` strategies with their legs;
``get_portfolio_greeks`` the portfolio Greeks (totals, per underlying, phrases, warnings).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Final

from aicoach.chat.offline.fmt import (
    day,
    fraction_percent,
    items,
    money,
    num,
    parse_date,
    parse_datetime,
    percent,
    shares,
    signed_money,
    strike,
    sub,
    text,
    when,
)
from aicoach.chat.offline.grounding import has_digits
from aicoach.chat.offline.planner import (
    ANALYZE_POSITION,
    GET_EXPIRATIONS,
    GET_OPTIONS_CHAIN,
    GET_PORTFOLIO_GREEKS,
    GET_POSITIONS,
    ToolOutcome,
    Turn,
    analysis_value,
    first,
    matches,
    strategies_of,
)
from aicoach.marketdata.calendar import ET

ADVICE_NOTE: Final = (
    "I'm the offline coach: I can show what the numbers say, but I can't tell you whether to "
    "hold, adjust or close — that's your call."
)
UNAVAILABLE: Final = "That tool isn't available right now, so I can't answer this offline."


def _error(o: ToolOutcome) -> str:
    message = str(o.data.get("error", "")).strip() or "the tool failed"
    return f"I couldn't get that: {message}"


def _source_line(d: Mapping[str, Any], today: date) -> str:
    src = text(d, "source")
    at = parse_datetime(text(d, "as_of", "quote_as_of"))
    if src is None and at is None:
        return ""
    out = f"_{(src or 'market').capitalize()} data" + (
        f" as of {when(at, today=today)}" if at else "") + "._"  # fmt: skip
    if d.get("stale") is True:
        out += " **Stale:** the data provider failed, so this is the last good value."
    return out


def _asked(turn: Turn) -> str:
    """How the trader named the date, when it is safe to echo (no digits of their own)."""
    spec = turn.intent.date
    if spec is None or not spec.words or has_digits(spec.words):
        return "what you asked for"
    return f"“{spec.words}”"


# --- expirations ------------------------------------------------------------------------------


def _exp_rows(d: Mapping[str, Any]) -> list[tuple[date, Mapping[str, Any]]]:
    rows: list[tuple[date, Mapping[str, Any]]] = []
    for item in items(d, "expirations", "dates"):
        row: Mapping[str, Any] = item if isinstance(item, Mapping) else {}
        exp = parse_date(item) if isinstance(item, str) else parse_date(
            text(row, "expiration", "date"))  # fmt: skip
        if exp is not None:
            rows.append((exp, row))
    return sorted(rows, key=lambda r: r[0])


def expirations_answer(turn: Turn, now: datetime) -> str:
    o = first(turn.outcomes, GET_EXPIRATIONS)
    if o is None:
        return UNAVAILABLE
    if not o.ok:
        return _error(o)
    today = now.astimezone(ET).date()
    sym = text(o.data, "symbol") or str(o.arguments.get("symbol", ""))
    rows = _exp_rows(o.data)
    if not rows:
        return f"No option expirations are listed for {sym}."
    shown = []
    for exp, row in rows[:8]:
        label = day(exp, this_year=today.year)
        dte = num(row, "days_to_expiry", "days")
        cycle = text(row, "cycle") or ("monthly" if row.get("is_monthly") else None)
        days = None if dte is None else f"{dte:.0f} day" + ("" if round(dte) == 1 else "s")
        notes = [x for x in (cycle, days) if x]
        shown.append(f"- {label}" + (f" ({', '.join(notes)})" if notes else ""))
    lines = [f"**{sym} option expirations**, nearest first:", *shown]
    monthly = [e for e, r in rows if r.get("is_monthly") is True or text(r, "cycle") == "monthly"]
    if monthly:
        lines.append(f"Next standard monthly: {day(monthly[0], this_year=today.year)}.")
    if len(rows) > 8:
        lines.append(f"The listing runs out to {day(rows[-1][0], this_year=today.year)}.")
    lines.append(_source_line(o.data, today))
    return "\n".join(x for x in lines if x)


# --- chains -----------------------------------------------------------------------------------


def _side(c: Mapping[str, Any] | None) -> str | None:
    if c is None:
        return None
    bid, ask = num(c, "bid"), num(c, "ask")
    parts = []
    if bid is not None and ask is not None:
        parts.append(f"bid {money(bid)} / ask {money(ask)}")
    extras = []
    if (iv := num(c, "iv")) is not None:
        extras.append(f"IV {fraction_percent(iv)}")
    if (delta := num(c, "delta")) is not None:
        extras.append(f"delta {delta:.2f}")
    if extras:
        parts.append("(" + ", ".join(extras) + ")")
    return " ".join(parts) or None


def chain_answer(turn: Turn, now: datetime) -> str:
    today = now.astimezone(ET).date()
    exps = first(turn.outcomes, GET_EXPIRATIONS)
    chain = first(turn.outcomes, GET_OPTIONS_CHAIN)
    sym = turn.intent.symbol or ""
    if chain is None:
        if exps is not None and not exps.ok:
            return _error(exps)
        if exps is not None:
            return f"No option expirations are listed for {sym}, so there is no chain to show."
        return UNAVAILABLE
    if not chain.ok:
        return _error(chain)
    d = chain.data
    sym = text(d, "symbol") or sym
    exp = parse_date(text(d, "expiration")) or parse_date(chain.arguments.get("expiration"))
    spot = num(d, "underlying_price", "spot")
    head = f"**{sym} options expiring {day(exp, this_year=today.year)}**" if exp else (
        f"**{sym} options chain**")  # fmt: skip
    dte = num(d, "days_to_expiry")
    if dte is not None:
        head += f" ({dte:.0f} days to expiry)" if dte else " (expires today)"
    if spot is not None:
        head += f" — {sym} at {money(spot)}"
    lines = [head + "."]
    if turn.intent.date is not None and turn.intent.date.words and exp is not None:
        lines.append(f"That's the listed expiration closest to {_asked(turn)}.")
    rows = [r for r in items(d, "strikes", "rows") if isinstance(r, Mapping) and num(r, "strike")]
    if not rows:
        lines.append("The chain came back empty.")
        return "\n".join(lines)
    atm = min(rows, key=lambda r: abs((num(r, "strike") or 0.0) - (spot or 0.0))) if (
        spot is not None) else rows[len(rows) // 2]  # fmt: skip
    k = num(atm, "strike") or 0.0
    call, put = sub(atm, "call"), sub(atm, "put")
    atm_line = f"At the money, the **{strike(k)} strike**:"
    if (c := _side(call)) is not None:
        atm_line += f" call {c}"
    if (p := _side(put)) is not None:
        atm_line += ("; " if call is not None else " ") + f"put {p}"
    lines.append(atm_line + ".")
    if turn.intent.topic == "implied volatility":
        ivs = [fraction_percent(v) for v in (num(call, "iv"), num(put, "iv")) if v is not None]
        if (atm_iv := num(d, "atm_iv")) is not None:
            lines.append(f"At-the-money implied volatility for this expiration: "
                         f"**{fraction_percent(atm_iv)}**.")  # fmt: skip
        elif ivs:
            both = " (call) and ".join(ivs) + (" (put)" if len(ivs) == 2 else "")
            lines.append(f"At-the-money implied volatility for this expiration: {both}.")
    best: tuple[float, str, float] | None = None
    for r in rows:
        for right in ("call", "put"):
            oi = num(sub(r, right), "open_interest")
            if oi is not None and (best is None or oi > best[0]):
                best = (oi, right, num(r, "strike") or 0.0)
    if best is not None and best[0] > 0:
        lines.append(f"Most open interest on the card: the {strike(best[2])} {best[1]} "
                     f"({best[0]:,.0f} contracts).")  # fmt: skip
    lo, hi = num(rows[0], "strike"), num(rows[-1], "strike")
    if lo is not None and hi is not None and lo != hi:
        lines.append(f"The card lists strikes from {strike(lo)} to {strike(hi)}.")
    lines.append(_source_line(d, today))
    return "\n".join(x for x in lines if x)


# --- position analyses ------------------------------------------------------------------------


def _greeks_text(d: Mapping[str, Any]) -> str | None:
    phrases = sub(d, "phrases")
    said = [p for p in (text(phrases, k) for k in ("delta", "theta", "vega", "gamma")) if p]
    if said:
        return "It " + "; ".join(said) + "."
    g = sub(d, "greeks")
    parts = []
    if (v := num(g, "delta_shares", "delta")) is not None:
        parts.append(f"delta {shares(v)} shares {'long' if v >= 0 else 'short'}")
    if (v := num(g, "theta_dollars_per_day", "theta_per_day")) is not None:
        parts.append(f"theta {signed_money(v)} a day")
    if (v := num(g, "vega_dollars_per_vol_point", "vega_per_vol_point")) is not None:
        parts.append(f"vega {signed_money(v)} per IV point")
    if (v := num(g, "gamma_shares_per_dollar", "gamma")) is not None:
        parts.append(f"gamma {v:.2f} shares per dollar")
    return ("Greeks: " + ", ".join(parts) + ".") if parts else None


def _expiry_text(d: Mapping[str, Any], today: date) -> str | None:
    e = sub(d, "expiry") or d
    first_exp = parse_date(text(d, "first_expiration"))
    parts = []
    if e.get("max_gain_unlimited") is True:
        parts.append("max gain unlimited")
    elif (g := num(e, "max_gain")) is not None:
        parts.append(f"max gain {money(g)}")
    if e.get("max_loss_unlimited") is True:
        parts.append("max loss **unlimited**")
    elif (lo := num(e, "max_loss")) is not None:
        parts.append(f"max loss {money(lo)}")
    bes = [float(b) for b in items(e, "breakevens") if isinstance(b, int | float)]
    if bes:
        word = "breakeven " if len(bes) == 1 else "breakevens "
        parts.append(word + " and ".join(money(b) for b in bes))
    if (pop := num(d, "probability_of_profit_percent")) is not None:
        parts.append(f"probability of profit {percent(pop)}")
    elif (pop := num(sub(d, "probability"), "pop")) is not None:
        parts.append(f"probability of profit {fraction_percent(pop)}")
    if not parts:
        return None
    where = f"At expiration ({day(first_exp, this_year=today.year)})" if first_exp else (
        "At expiration")  # fmt: skip
    return f"{where}: " + ", ".join(parts) + "."


def _levels_text(d: Mapping[str, Any]) -> str | None:
    """P&L at the two key levels nearest the price, now and at expiry."""
    spot = num(d, "spot")
    rows = [r for r in items(d, "pnl_at_levels", "levels") if isinstance(r, Mapping)
            and num(r, "price") is not None and text(r, "label")]  # fmt: skip
    if spot is None or not rows:
        return None
    rows.sort(key=lambda r: abs((num(r, "price") or 0.0) - spot))
    out = []
    for r in rows[:2]:
        at_exp = num(r, "pnl_at_expiry")
        if at_exp is None:
            continue
        out.append(f"at {text(r, 'label')} ({money(num(r, 'price') or 0.0)}) the P&L at "
                   f"expiry would be {signed_money(at_exp)}")  # fmt: skip
    return ("Near the key levels: " + "; ".join(out) + ".") if out else None


def _scenario_text(o: ToolOutcome, d: Mapping[str, Any], today: date) -> str | None:
    args = o.arguments
    parts = []
    spot = num(d, "spot")
    if "underlying_price" in args and spot is not None:
        parts.append(f"the underlying at {money(spot)}")
    if "iv_shift_points" in args:
        shift = num(sub(d, "scenario"), "iv_shift_points")
        if shift is not None:
            parts.append(f"IV {'up' if shift > 0 else 'down'} {abs(shift):g} points")
        else:
            parts.append("implied volatility shifted as you described")
    if "valuation_date" in args:
        at = parse_datetime(text(d, "valuation_at"))
        parts.append(f"valued {when(at, today=today)}" if at else "valued on the date you named")
    return ("Scenario: " + ", ".join(parts) + ".") if parts else None


def analysis_title(d: Mapping[str, Any]) -> str:
    strat = d.get("strategy")
    if isinstance(strat, str) and strat:
        return strat
    return text(sub(d, "strategy"), "label") or text(d, "title", "label") or "Position"


def analysis_text(o: ToolOutcome, today: date, *, compact: bool = False) -> str:
    if not o.ok:
        return _error(o)
    d = o.data
    sym = text(d, "symbol") or text(sub(d, "strategy"), "underlying") or ""
    lines = [f"**{analysis_title(d)}**"]
    scenario = _scenario_text(o, d, today)
    if scenario is not None:
        lines.append(scenario)
    spot, value, pnl = num(d, "spot"), num(d, "value_now"), num(d, "pnl_now")
    cost = num(d, "entry_cost")
    now_parts = []
    if spot is not None:
        now_parts.append(f"with {sym} at {money(spot)}" if sym else f"at {money(spot)}")
    if value is not None:
        now_parts.append(f"it's worth {money(value)}")
    if cost is not None and cost != 0:
        now_parts.append(f"opened for a {'debit' if cost > 0 else 'credit'} of {money(cost)}")
    if pnl is not None:
        now_parts.append(f"P&L {signed_money(pnl)}")
    if now_parts:
        lines.append(("Then: " if scenario else "Now: ") + ", ".join(now_parts) + ".")
    if (g := _greeks_text(d)) is not None:
        lines.append(g)
    if (e := _expiry_text(d, today)) is not None:
        lines.append(e)
    if not compact:
        if (em := num(d, "expected_move")) is not None:
            lines.append(f"The options price a one-sigma move of about {money(em)} by then.")
        if (lv := _levels_text(d)) is not None:
            lines.append(lv)
        warnings = [w for w in items(d, "warnings") if isinstance(w, str)]
        lines.extend(f"- Note: {w}" for w in warnings[:3])
    return "\n".join(lines)


def legs_answer(turn: Turn, now: datetime) -> str:
    today = now.astimezone(ET).date()
    exps = first(turn.outcomes, GET_EXPIRATIONS)
    analysis = first(turn.outcomes, ANALYZE_POSITION)
    chain = first(turn.outcomes, GET_OPTIONS_CHAIN)
    if analysis is None:
        if exps is not None and not exps.ok:
            return _error(exps)
        if chain is not None and not chain.ok:
            return _error(chain)
        if chain is not None:
            missing = [leg for leg in turn.intent.legs if leg.entry_price is None]
            return ("I couldn't find a market price for every leg in that expiration's chain, "
                    "so I can't value the trade. Tell me the price of each leg (\"sell the put "
                    "for\" a price) or pick strikes closer to the money." if missing else
                    UNAVAILABLE)  # fmt: skip
        if exps is not None:
            return f"No option expirations are listed for {turn.intent.symbol}."
        return UNAVAILABLE
    parts = [analysis_text(analysis, today)]
    if analysis.ok:
        priced = all(leg.entry_price is not None for leg in turn.intent.legs)
        if not priced:
            parts.append("Legs without a price you gave are valued at the market's prices.")
        if turn.intent.date is None:
            parts.append("You didn't name an expiration, so I used the standard monthly.")
        elif analysis.ok:
            parts.append(f"Expiration: the listed one closest to {_asked(turn)}.")
    parts.append(ADVICE_NOTE)
    return "\n\n".join(parts)


# --- positions and portfolio ------------------------------------------------------------------

_BEST: Final = re.compile(r"\b(?:best|winning|winner|making|up\s+the\s+most|most\s+profit)\b")


def _ranked(turn: Turn, analyses: Sequence[ToolOutcome]) -> list[ToolOutcome]:
    metric = turn.intent.rank_by
    ok = [a for a in analyses if a.ok]
    if metric is None:
        return ok
    valued = [(analysis_value(a.data, metric), a) for a in ok]
    known = [(v, a) for v, a in valued if v is not None]
    if metric == "theta":
        known.sort(key=lambda va: va[0])  # most negative (fastest bleed) first
    elif metric == "pnl":
        best = _BEST.search(turn.user_text.lower()) is not None
        known.sort(key=lambda va: -va[0] if best else va[0])
    else:
        known.sort(key=lambda va: -abs(va[0]))
    return [a for _, a in known] + [a for v, a in valued if v is None]


_METRIC_WORDS: Final = {"theta": "theta (dollars a day)", "vega": "vega (dollars per IV point)",
                        "gamma": "gamma", "delta": "delta (shares)", "pnl": "P&L"}  # fmt: skip


def _metric(v: float, metric: str) -> str:
    if metric in ("theta", "vega", "pnl"):
        return signed_money(v)
    return f"{v:.2f}" if metric == "gamma" else f"{v:,.1f}"


def positions_answer(turn: Turn, now: datetime) -> str:
    today = now.astimezone(ET).date()
    listing = first(turn.outcomes, GET_POSITIONS)
    if listing is None:
        return UNAVAILABLE
    if not listing.ok:
        return _error(listing)
    strategies = strategies_of(listing.data)
    if not strategies:
        return ("You have no saved positions yet. Add them on the Positions page (or upload a "
                "broker screenshot) and I'll analyse them.")  # fmt: skip
    analyses = [o for o in turn.outcomes if o.name == ANALYZE_POSITION]
    if not analyses:
        names = [text(s, "title", "label", "name") or "" for s in strategies]
        have = ", ".join(n for n in names if n)
        wanted = (turn.intent.strategy or "").replace("_", " ") or "that"
        return (f"None of your saved positions matches {wanted}"
                + (" on " + "/".join(turn.intent.symbols) if turn.intent.symbols else "")
                + (f". You have: {have}." if have else "."))  # fmt: skip
    ranked = _ranked(turn, analyses)
    parts: list[str] = []
    metric = turn.intent.rank_by
    if metric is not None and ranked:
        top = ranked[0]
        v = analysis_value(top.data, metric)
        title = analysis_title(top.data)
        if v is not None and metric == "theta" and v >= 0:
            parts.append(f"None of your positions is losing to time decay: theta works for all "
                         f"of them. The smallest theta income is **{title}** at "
                         f"{_metric(v, metric)} a day.")  # fmt: skip
        elif v is not None:
            parts.append(f"By {_METRIC_WORDS[metric]}, **{title}** ranks first at "
                         f"{_metric(v, metric)}.")  # fmt: skip
        order = []
        for a in ranked:
            value = analysis_value(a.data, metric)
            label = analysis_title(a.data)
            if value is not None:
                order.append(f"- {label}: {_metric(value, metric)}")
        if len(order) > 1:
            parts.append("All of them:\n" + "\n".join(order))
    compact = len(ranked) > 2
    parts.extend(analysis_text(a, today, compact=compact) for a in ranked)
    parts.extend(_error(a) for a in analyses if not a.ok)
    skipped = [s for s in strategies if matches(s, turn.intent)]
    if len(skipped) > len(analyses):
        parts.append("I analysed the first few matching positions; ask about one by name for "
                     "the rest.")  # fmt: skip
    parts.append(ADVICE_NOTE)
    return "\n\n".join(parts)


def portfolio_answer(turn: Turn, now: datetime) -> str:
    o = first(turn.outcomes, GET_PORTFOLIO_GREEKS)
    if o is None:
        return UNAVAILABLE
    if not o.ok:
        return _error(o)
    d = o.data
    rows = [r for r in items(d, "underlyings") if isinstance(r, Mapping)]
    if not rows:
        msg = "You have no open option or stock exposure, so your portfolio Greeks are all zero."
        return msg + ("".join(f"\n- Note: {w}" for w in items(d, "warnings") if isinstance(w, str)))
    lines = ["**Portfolio Greeks**"]
    if (v := num(d, "delta_dollars")) is not None:
        lines.append(f"- Net delta: {signed_money(v)} of delta dollars"
                     + (f" — like {shares(bw)} SPY shares {'long' if bw >= 0 else 'short'}"
                        if (bw := num(d, "beta_weighted_delta")) is not None else "")
                     + " (beta-weighted).")  # fmt: skip
    if (v := num(d, "theta_dollars_per_day")) is not None:
        lines.append(f"- Theta: {signed_money(v)} a day.")
    if (v := num(d, "vega_dollars_per_vol_point")) is not None:
        lines.append(f"- Vega: {signed_money(v)} per IV point.")
    if (v := num(d, "gamma_dollars_per_pct")) is not None:
        lines.append(f"- Gamma: delta dollars change by {signed_money(v)} per one-percent move.")
    phrases = sub(d, "phrases")
    said = [text(phrases, k) for k in ("delta", "theta", "vega")]
    if any(said):
        lines.append("In words: " + "; ".join(p for p in said if p) + ".")
    lines.append("By underlying:")
    for r in rows:
        sym = text(r, "underlying") or "?"
        ds, dd = num(r, "delta_shares"), num(r, "delta_dollars")
        th = num(r, "theta_dollars_per_day")
        bits = []
        if ds is not None:
            bits.append(f"delta {shares(ds)} shares {'long' if ds >= 0 else 'short'}"
                        + (f" ({signed_money(dd)})" if dd is not None else ""))  # fmt: skip
        if th is not None:
            bits.append(f"theta {signed_money(th)} a day")
        lines.append(f"- {sym}: " + (", ".join(bits) if bits else "no Greeks"))
    unweighted = [u for u in items(d, "unweighted") if isinstance(u, str)]
    if unweighted:
        lines.append(f"Left out of the beta weighting (no known beta): {', '.join(unweighted)}.")
    lines.extend(f"- Note: {w}" for w in items(d, "warnings")[:3] if isinstance(w, str))
    at = parse_datetime(text(d, "as_of"))
    if at is not None:
        lines.append(f"_As of {when(at, today=now.astimezone(ET).date())}._")
    lines.append(ADVICE_NOTE)
    return "\n".join(lines)
