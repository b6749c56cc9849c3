"""MAE / MFE of one trade along the underlying's bars: :func:`excursions`.

The trade's P&L (dollars, costs included) is followed through every bar that overlaps the
trade, at each bar's open, high, low and close::

    P&L(point) = cash(τ) + Σ legs  q(τ) · m · value(S_point, τ)

where ``τ = max(bar start, entry)`` (capped at the exit), ``q(τ)`` and ``cash(τ)`` are the
quantity held and the net cash of every fill executed at or before ``τ`` (so scale-ins and
partial closes count), and ``value`` is ``S`` for stock (exact from the bars) and the
Black-Scholes-Merton price for options (``options.core.pricing.bsm_price``, vectorised over
bars × 4 points) at the leg's **entry IV**, held constant, with time to expiry to 16:00 New York
on the expiration date (ACT/365 seconds; early closes ignored). Hence option results are
labelled ``modelled``: the IV is not re-marked, and within a bar only the four OHLC points are
seen (a structure whose P&L peaks between the low and the high — a short straddle — can have
its extreme in between).

``MAE = min(0, min P&L)`` (≤ 0) and ``MFE = max(0, max P&L)`` (≥ 0), with the bar time where
each happened, and in R when the trade has a planned risk. Bars: intraday bars span
``[open time, open time + timeframe)``; daily bars (stamped 00:00 UTC of the session date) span
that date's 09:30–16:00 New York session; weekly/monthly bars 7/31 days from their stamp.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time

import numpy as np

from aicoach.journal.analytics.arrays import FloatArray
from aicoach.journal.core.trades import Trade
from aicoach.kit.clock import NEW_YORK
from aicoach.marketdata.models import BarSeries, OptionRight, Timeframe
from aicoach.options.core.expiry import SECONDS_PER_YEAR
from aicoach.options.core.pricing import bsm_price

MODELLED, EXACT = "modelled", "exact"
_COARSE_DAYS = {Timeframe.W1: 7, Timeframe.MO1: 31}


@dataclass(frozen=True, slots=True)
class Excursion:
    """MAE/MFE in dollars (``None`` with ``reason`` when they cannot be computed)."""

    mae: float | None
    mfe: float | None
    mae_at: datetime | None
    mfe_at: datetime | None
    mae_r: float | None
    mfe_r: float | None
    method: str  # "modelled" (option legs priced by BSM at entry IV) or "exact" (stock only)
    n_bars: int
    reason: str | None = None

    def to_dict(self) -> dict[str, object]:
        at = {
            k: (v.isoformat() if v else None)
            for k, v in (("mae_at", self.mae_at), ("mfe_at", self.mfe_at))
        }
        return {
            "mae": self.mae,
            "mfe": self.mfe,
            **at,
            "mae_r": self.mae_r,
            "mfe_r": self.mfe_r,
            "method": self.method,
            "n_bars": self.n_bars,
            "reason": self.reason,
        }


def _seconds(at: datetime) -> float:
    return at.astimezone(UTC).timestamp()


def bar_spans(bars: BarSeries) -> tuple[FloatArray, FloatArray]:
    """(start, end) of every bar in UTC epoch seconds (module docstring)."""
    stamp = bars.time.astype("datetime64[ns]").astype(np.int64) / 1e9
    if bars.timeframe.is_intraday:
        return stamp, stamp + bars.timeframe.minutes * 60.0
    if bars.timeframe is Timeframe.D1:
        days = bars.time.astype("datetime64[D]").tolist()
        opens = [datetime.combine(d, time(9, 30), NEW_YORK).timestamp() for d in days]
        closes = [datetime.combine(d, time(16), NEW_YORK).timestamp() for d in days]
        return np.array(opens, dtype=np.float64), np.array(closes, dtype=np.float64)
    return stamp, stamp + _COARSE_DAYS[bars.timeframe] * 86400.0


def _empty(method: str, reason: str, n: int = 0) -> Excursion:
    return Excursion(None, None, None, None, None, None, method, n, reason)


def excursions(
    trade: Trade,
    bars: BarSeries,
    *,
    entry_iv: Mapping[str, float],
    rate: float,
    dividend_yield: float = 0.0,
) -> Excursion:
    """Modelled MAE/MFE of ``trade`` along ``bars`` of its underlying (module docstring).

    ``entry_iv`` maps each option leg's instrument key to its implied volatility at entry
    (annual, decimal); ``rate`` and ``dividend_yield`` are continuous annual decimals."""
    has_options = any(leg.instrument.is_option for leg in trade.legs)
    method = MODELLED if has_options else EXACT
    missing = [
        leg.key for leg in trade.legs if leg.instrument.is_option and leg.key not in entry_iv
    ]
    if missing:
        return _empty(method, f"no entry IV for {', '.join(missing)}")
    start_s = _seconds(trade.opened_at)
    bar_start, bar_end = bar_spans(bars)
    if trade.closed_at is not None:
        end_s = _seconds(trade.closed_at)
    else:
        end_s = float(bar_end.max(initial=start_s))
    sel = (bar_end > start_s) & (bar_start <= end_s)
    if not sel.any():
        return _empty(method, "no bars during the trade")
    tau = np.clip(bar_start[sel], start_s, end_s)  # (B,)
    s = np.stack([bars.open[sel], bars.high[sel], bars.low[sel], bars.close[sel]], axis=1)
    pnl = np.zeros_like(s)
    for leg in trade.legs:  # a handful of legs; every bar and point at once
        fills = sorted((*leg.opening, *leg.closing), key=lambda f: f.executed_at)
        when = np.array([_seconds(f.executed_at) for f in fills])
        held = np.concatenate(([0.0], np.cumsum([float(f.quantity) for f in fills])))
        cash = np.concatenate(([0.0], np.cumsum([float(f.net) for f in fills])))
        k = np.searchsorted(when, tau, side="right")
        pnl += cash[k][:, None]
        ins = leg.instrument
        if ins.is_option:
            assert ins.expiration is not None
            assert ins.strike is not None
            expiry = datetime.combine(ins.expiration, time(16), NEW_YORK).timestamp()
            t_years = np.maximum(expiry - tau, 0.0)[:, None] / SECONDS_PER_YEAR
            is_call = ins.right is OptionRight.CALL
            value = bsm_price(
                is_call, s, float(ins.strike), t_years, rate, dividend_yield, entry_iv[leg.key]
            )
        else:
            value = s
        pnl += held[k][:, None] * ins.multiplier * value
    lo, hi = int(np.argmin(pnl)) // 4, int(np.argmax(pnl)) // 4  # the bar of each extreme
    mae, mfe = min(float(pnl.min()), 0.0), max(float(pnl.max()), 0.0)
    risk = float(trade.planned_risk) if trade.planned_risk is not None else None

    def stamp(i: int) -> datetime:
        return datetime.fromtimestamp(float(tau[i]), UTC)

    return Excursion(
        mae=mae,
        mfe=mfe,
        mae_at=stamp(lo) if mae < 0 else None,
        mfe_at=stamp(hi) if mfe > 0 else None,
        mae_r=mae / risk if risk else None,
        mfe_r=mfe / risk if risk else None,
        method=method,
        n_bars=int(sel.sum()),
    )
