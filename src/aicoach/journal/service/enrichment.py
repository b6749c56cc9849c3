"""Enrichment at entry: what the market looked like when a trade was opened, computed once when
the trade first appears (``aicoach journal enrich`` recomputes it).

Each value is ``{value, state, reason, source, as_of}`` (``state`` ``ok`` or ``unavailable``
with the reason; nothing is estimated when the data is missing), sometimes with ``detail``:

* ``dte_at_entry`` — calendar days from the New York entry date to the trade's first expiration
  (from your fills);
* ``underlying_price`` — the close of the last complete one-minute bar before the entry (the
  open of the entry's own minute bar when it is the first), within 15 minutes of the entry; a
  fill whose export gives no time (Robinhood) has no price at entry;
* ``iv_at_entry`` — each option leg's Black-Scholes implied volatility from its average opening
  price, the price above, time to the expiration's close (ACT/365) and the configured risk-free
  rate (no dividends); ``value`` is the quantity-weighted mean, the legs are in ``detail``.
  European model for American options: good for comparing your entries, not a quote;
* ``delta_at_entry`` — BSM delta at that IV, per share of one unit of the structure
  (``Σ q/g · δ · m/100`` with ``g`` the gcd of the option quantities; stock counts 1 per share):
  a 5-lot short put at −0.30 delta is +0.30, a long stock +1;
* ``iv_rank`` — always unavailable: IV rank needs a year of daily IV, which no provider gives;
* ``expected_move`` — one standard deviation to the first expiration, ``S · IV · √t`` dollars;
* ``level_context`` — the entry price against the key levels the levels engine finds from the
  daily bars before the entry session (prior day/week/month, pivots, moving averages, swing
  zones, ATR bands; the intraday levels are left out): the nearest support and resistance and
  their distance in daily ATRs, and one of ``within 0.5 ATR above support``, ``within 0.5 ATR
  under resistance``, ``between levels``, ``above every level``, ``below every level`` (the
  category the analytics group by).

Speed (10,000 trades in a job): trades are grouped by underlying; each symbol's daily bars are
fetched once, its minute bars in ≤ 28-day windows covering only the entry days, the levels
engine runs once per (symbol, session) and every option leg's IV and delta are solved in one
vectorised call.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

import numpy as np

from aicoach.errors import AICoachError
from aicoach.kit.clock import NEW_YORK
from aicoach.levels.core.engine import compute_key_levels
from aicoach.levels.core.models import Level, SessionWindows
from aicoach.marketdata.calendar import Session
from aicoach.marketdata.models import BarSeries, Timeframe
from aicoach.marketdata.service import MarketDataService
from aicoach.options.core.expiry import t_years
from aicoach.options.core.iv import IVFailure, implied_vol
from aicoach.options.core.pricing import bsm_greeks

OK: Final = "ok"
UNAVAILABLE: Final = "unavailable"
YOUR_DATA: Final = "your data"
FIELDS: Final = ("dte_at_entry", "underlying_price", "iv_at_entry", "delta_at_entry", "iv_rank",
                 "expected_move", "level_context")  # fmt: skip
DAILY_LOOKBACK: Final = timedelta(days=460)
MINUTE_WINDOW_DAYS: Final = 28
STALE_AFTER: Final = timedelta(minutes=15)
NEAR_ATR: Final = 0.5
IV_RANK_REASON: Final = (
    "IV rank needs a year of daily implied volatility, and the market-data provider gives no IV "
    "history"
)
_IV_REASONS: Final = {
    IVFailure.INVALID_INPUT: "the fill price or the underlying price is not usable",
    IVFailure.NO_TIME_VALUE: "the fill had no time value (at intrinsic, or at expiry)",
    IVFailure.BELOW_INTRINSIC: "the fill price is below intrinsic value at the underlying price",
    IVFailure.ABOVE_UPPER_BOUND: "the fill price is above what any volatility gives",
    IVFailure.NOT_CONVERGED: "the implied-volatility solve did not converge",
}
Progress = Callable[[int], Awaitable[None]]


def ok(value: Any, *, source: str, as_of: datetime | None, **detail: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"value": value, "state": OK, "reason": None, "source": source,
                           "as_of": as_of.isoformat() if as_of else None}  # fmt: skip
    if detail:
        out["detail"] = detail
    return out


def unavailable(reason: str, *, source: str) -> dict[str, Any]:
    return {"value": None, "state": UNAVAILABLE, "reason": reason, "source": source,
            "as_of": None}  # fmt: skip


@dataclass(frozen=True, slots=True)
class EntryLeg:
    kind: str  # stock | call | put
    key: str
    strike: float | None
    expiration: date | None
    quantity: float  # signed opening units
    price: float  # average opening price per share
    multiplier: int

    @property
    def is_option(self) -> bool:
        return self.kind != "stock"


@dataclass(frozen=True, slots=True)
class Entry:
    """What enrichment reads of one trade (from its stored legs)."""

    trade_id: str
    symbol: str
    opened_at: datetime
    time_known: bool
    legs: tuple[EntryLeg, ...]

    @property
    def options(self) -> tuple[EntryLeg, ...]:
        return tuple(leg for leg in self.legs if leg.is_option)

    @property
    def first_expiration(self) -> date | None:
        exps = [leg.expiration for leg in self.options if leg.expiration is not None]
        return min(exps) if exps else None


def entry_of(
    trade_id: str, symbol: str, opened_at: datetime, legs: Sequence[Mapping[str, Any]]
) -> Entry:
    """An ``Entry`` from a trade row's legs JSON (``codec.leg_json``)."""
    out: list[EntryLeg] = []
    known = True
    for leg in legs:
        opening = [f for f in leg["fills"] if f["executed_at"] == opened_at.isoformat()]
        known = known and all(f.get("time_known", True) for f in opening)
        if float(leg["opened_quantity"]) == 0:
            continue
        out.append(
            EntryLeg(
                kind=leg["kind"],
                key=leg["instrument"],
                strike=float(leg["strike"]) if leg["strike"] is not None else None,
                expiration=date.fromisoformat(leg["expiration"]) if leg["expiration"] else None,
                quantity=float(leg["opened_quantity"]),
                price=float(leg["average_open_price"]),
                multiplier=int(leg["multiplier"]),
            )
        )
    return Entry(trade_id, symbol, opened_at, known, tuple(out))


def columns(enrichment: Mapping[str, Any] | None) -> dict[str, Any]:
    """The analytics columns copied out of an enrichment JSON."""

    def value(name: str) -> Any:
        item = (enrichment or {}).get(name) or {}
        return item.get("value") if item.get("state") == OK else None

    return {
        "dte_at_entry": value("dte_at_entry"),
        "iv_rank_at_entry": value("iv_rank"),
        "delta_at_entry": value("delta_at_entry"),
        "level_context": value("level_context"),
    }


@dataclass(slots=True)
class _Minutes:
    time: np.ndarray[Any, np.dtype[np.datetime64]]
    open: np.ndarray[Any, np.dtype[np.float64]]
    close: np.ndarray[Any, np.dtype[np.float64]]
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class _Spot:
    price: float | None
    as_of: datetime | None
    reason: str | None


def _ns(at: datetime) -> np.datetime64:
    return np.datetime64(at.astimezone(UTC).replace(tzinfo=None), "ns")


def _py(t: np.datetime64) -> datetime:
    micros = int(t.astype("datetime64[us]").astype(np.int64))
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)


def _ny_date(at: datetime) -> date:
    return at.astimezone(NEW_YORK).date()


class Enricher:
    """Computes the enrichment of many trades (module docstring)."""

    def __init__(self, market: MarketDataService, *, risk_free_rate: float) -> None:
        self.market = market
        self.rate = risk_free_rate
        self.source = market.source

    async def enrich(
        self, entries: Sequence[Entry], progress: Progress | None = None
    ) -> dict[str, dict[str, Any]]:
        """Trade id → enrichment JSON for every entry."""
        by_symbol: dict[str, list[Entry]] = {}
        for e in entries:
            by_symbol.setdefault(e.symbol, []).append(e)
        out: dict[str, dict[str, Any]] = {}
        done = 0
        for symbol in sorted(by_symbol):
            group = by_symbol[symbol]
            out.update(await self._symbol(symbol, group))
            done += len(group)
            if progress is not None:
                await progress(done)
        return out

    # --- one symbol ----------------------------------------------------------------------------

    async def _symbol(self, symbol: str, entries: list[Entry]) -> dict[str, dict[str, Any]]:
        daily, daily_reason = await self._daily(symbol, entries)
        minutes = await self._minutes(symbol, entries)
        spots = self._spots(entries, minutes)
        levels = self._levels(entries, spots, daily, daily_reason)
        greeks = self._greeks(entries, spots)
        out: dict[str, dict[str, Any]] = {}
        for e in entries:
            spot = spots[e.trade_id]
            iv, delta, em = greeks[e.trade_id]
            out[e.trade_id] = {
                "dte_at_entry": self._dte(e),
                "underlying_price": (
                    ok(round(spot.price, 4), source=self.source, as_of=spot.as_of)
                    if spot.price is not None
                    else unavailable(spot.reason or "no price at entry", source=self.source)
                ),
                "iv_at_entry": iv,
                "delta_at_entry": delta,
                "iv_rank": unavailable(IV_RANK_REASON, source=self.source),
                "expected_move": em,
                "level_context": levels[e.trade_id],
            }
        return out

    def _dte(self, e: Entry) -> dict[str, Any]:
        first = e.first_expiration
        if first is None:
            return unavailable("a stock trade has no expiration", source=YOUR_DATA)
        return ok((first - _ny_date(e.opened_at)).days, source=YOUR_DATA, as_of=e.opened_at)

    async def _daily(self, symbol: str, entries: list[Entry]) -> tuple[BarSeries | None, str]:
        first = min(e.opened_at for e in entries)
        last = max(e.opened_at for e in entries)
        try:
            got = await self.market.bars(
                symbol, Timeframe.D1, first - DAILY_LOOKBACK, last + timedelta(days=1)
            )
        except AICoachError as exc:
            return None, f"no daily bars for {symbol}: {exc.message}"
        if not len(got.value):
            return None, f"no daily bars for {symbol} before the entry"
        return got.value, ""

    def _session(self, at: datetime) -> Session | None:
        try:
            return self.market.calendar.reference_session(at)
        except (AICoachError, ValueError, LookupError):
            return None

    async def _minutes(self, symbol: str, entries: list[Entry]) -> _Minutes:
        days = sorted({_ny_date(e.opened_at) for e in entries if e.time_known})
        windows: list[list[date]] = []
        for d in days:
            if windows and (d - windows[-1][0]).days < MINUTE_WINDOW_DAYS:
                windows[-1].append(d)
            else:
                windows.append([d])
        parts: list[BarSeries] = []
        reason: str | None = None
        for window in windows:
            start = datetime.combine(window[0], datetime.min.time(), NEW_YORK)
            end = datetime.combine(window[-1] + timedelta(days=1), datetime.min.time(), NEW_YORK)
            try:
                got = await self.market.bars(symbol, Timeframe.M1, start, end)
            except AICoachError as exc:
                reason = f"no minute bars for {symbol}: {exc.message}"
                continue
            if len(got.value):
                parts.append(got.value)
        if not parts:
            empty = np.array([], dtype="datetime64[ns]")
            none = np.array([], dtype=np.float64)
            return _Minutes(empty, none, none, reason or f"no minute bars for {symbol} then")
        return _Minutes(
            np.concatenate([p.time.astype("datetime64[ns]") for p in parts]),
            np.concatenate([p.open for p in parts]),
            np.concatenate([p.close for p in parts]),
        )

    def _spots(self, entries: list[Entry], m: _Minutes) -> dict[str, _Spot]:
        """Each entry's price (module docstring), with one ``searchsorted`` for all of them."""
        if not m.time.size:
            why = m.reason or "no minute bars then"
            return {e.trade_id: self._no_time(e) or _Spot(None, None, why) for e in entries}
        at = np.array([_ns(e.opened_at) for e in entries], dtype="datetime64[ns]")
        minute = np.timedelta64(60, "s")
        stale = minute + np.timedelta64(STALE_AFTER)
        before = np.searchsorted(m.time, at - minute, side="right") - 1  # last complete bar
        within = np.searchsorted(m.time, at, side="right") - 1  # the entry's own bar
        out: dict[str, _Spot] = {}
        for k, e in enumerate(entries):
            i, j = int(before[k]), int(within[k])
            if (missing := self._no_time(e)) is not None:
                out[e.trade_id] = missing
            elif i >= 0 and m.time[i] >= at[k] - stale:
                out[e.trade_id] = _Spot(float(m.close[i]), _py(m.time[i] + minute), None)
            elif j >= 0 and m.time[j] > at[k] - minute:  # the entry's minute, nothing before
                out[e.trade_id] = _Spot(float(m.open[j]), _py(m.time[j]), None)
            else:
                out[e.trade_id] = _Spot(None, None, "no minute bar in the 15 minutes before the "
                                        "entry")  # fmt: skip
        return out

    @staticmethod
    def _no_time(e: Entry) -> _Spot | None:
        if e.time_known:
            return None
        return _Spot(None, None, "the export gives the fill's date, not its time of day")

    # --- levels --------------------------------------------------------------------------------

    def _levels(
        self, entries: list[Entry], spots: Mapping[str, _Spot], daily: BarSeries | None,
        daily_reason: str,
    ) -> dict[str, dict[str, Any]]:  # fmt: skip
        out: dict[str, dict[str, Any]] = {}
        by_session: dict[date, tuple[Session, list[Entry]]] = {}
        for e in entries:
            spot = spots[e.trade_id]
            if daily is None:
                out[e.trade_id] = unavailable(daily_reason, source=self.source)
            elif spot.price is None:
                why = f"no underlying price at entry ({spot.reason})"
                out[e.trade_id] = unavailable(why, source=self.source)
            elif (session := self._session(e.opened_at)) is None:
                out[e.trade_id] = unavailable("the entry is outside the market calendar",
                                              source=self.source)  # fmt: skip
            else:
                by_session.setdefault(session.date, (session, []))[1].append(e)
        for session, group in by_session.values():
            assert daily is not None
            first = group[0]
            price = spots[first.trade_id].price
            assert price is not None
            windows = SessionWindows(session.premarket_start, session.open_at, session.close_at)
            levels = compute_key_levels(daily, None, windows, price, first.opened_at)
            every = levels.all_levels()
            for e in group:
                p = spots[e.trade_id].price
                assert p is not None
                out[e.trade_id] = self._context(p, every, levels.atr_daily, session)
        return out

    def _context(
        self, price: float, every: list[Level], atr: float | None, session: Session
    ) -> dict[str, Any]:
        if not every:
            return unavailable("the levels engine found no levels before the entry",
                               source=self.source)  # fmt: skip
        if atr is None or not math.isfinite(atr) or atr <= 0:
            return unavailable("not enough daily bars for the ATR before the entry",
                               source=self.source)  # fmt: skip
        below = [lv for lv in every if lv.price < price]
        above = [lv for lv in every if lv.price > price]
        support = max(below, key=lambda lv: lv.price) if below else None
        resistance = min(above, key=lambda lv: lv.price) if above else None

        def near(lv: Level | None) -> dict[str, Any] | None:
            if lv is None:
                return None
            return {"label": lv.label, "price": round(lv.price, 2),
                    "distance_atr": round((lv.price - price) / atr, 2)}  # fmt: skip

        if support is None:
            category = "below every level"
        elif resistance is None:
            category = "above every level"
        else:
            to_support = (price - support.price) / atr
            to_resistance = (resistance.price - price) / atr
            if min(to_support, to_resistance) <= NEAR_ATR:
                category = (
                    f"within {NEAR_ATR:g} ATR above support"
                    if to_support <= to_resistance
                    else f"within {NEAR_ATR:g} ATR under resistance"
                )
            else:
                category = "between levels"
        as_of = session.premarket_start
        return ok(category, source=self.source, as_of=as_of,
                  nearest_support=near(support), nearest_resistance=near(resistance),
                  atr=round(atr, 4))  # fmt: skip

    # --- IV, delta, expected move --------------------------------------------------------------

    def _expiry_years(self, at: datetime, expiration: date) -> float | None:
        calendar = self.market.calendar
        try:
            close = calendar.expiration_close(expiration)
        except (AICoachError, ValueError, LookupError):
            try:
                close = calendar.session_on_or_before(expiration).close_at
            except (AICoachError, ValueError, LookupError):
                return None
        return t_years(at, close)

    def _greeks(
        self, entries: list[Entry], spots: Mapping[str, _Spot]
    ) -> dict[str, tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
        rows: list[
            tuple[int, int, bool, float, float, float, float]
        ] = []  # entry, leg, C?, p, S, K, t
        for i, e in enumerate(entries):
            spot = spots[e.trade_id].price
            if spot is None:
                continue
            for j, leg in enumerate(e.legs):
                if not leg.is_option or leg.expiration is None or leg.strike is None:
                    continue
                t = self._expiry_years(e.opened_at, leg.expiration)
                rows.append((i, j, leg.kind == "call", leg.price, spot, leg.strike,
                             float("nan") if t is None else t))  # fmt: skip
        iv = np.array([], dtype=np.float64)
        delta = np.array([], dtype=np.float64)
        reasons: list[IVFailure] = []
        if rows:
            a = np.array([r[2:] for r in rows], dtype=np.float64)
            solved = implied_vol(a[:, 0] > 0.5, a[:, 1], a[:, 2], a[:, 3], a[:, 4], self.rate, 0.0)
            iv = solved.iv
            sigma = np.where(solved.ok, iv, 0.2)  # any finite value: failed legs are masked below
            greeks = bsm_greeks(a[:, 0] > 0.5, a[:, 2], a[:, 3], a[:, 4], self.rate, 0.0, sigma)
            delta = np.where(solved.ok, greeks.delta, np.nan)
            reasons = [IVFailure(r) for r in solved.reason]
        per_leg: dict[tuple[int, int], tuple[float, float, IVFailure, float]] = {}
        for k, r in enumerate(rows):
            per_leg[r[0], r[1]] = (float(iv[k]), float(delta[k]), reasons[k], r[6])
        return {e.trade_id: self._trade_greeks(e, i, spots[e.trade_id], per_leg)
                for i, e in enumerate(entries)}  # fmt: skip

    def _trade_greeks(
        self, e: Entry, i: int, spot: _Spot,
        per_leg: Mapping[tuple[int, int], tuple[float, float, IVFailure, float]],
    ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:  # fmt: skip
        src = f"{self.source} price and your fill"
        if not e.options:
            no_iv = unavailable("a stock trade has no implied volatility", source=YOUR_DATA)
            sign = 1 if sum(leg.quantity for leg in e.legs) > 0 else -1
            stock_delta = ok(float(sign), source=YOUR_DATA, as_of=e.opened_at)
            return no_iv, stock_delta, unavailable("a stock trade has no expiration",
                                                   source=YOUR_DATA)  # fmt: skip
        if spot.price is None:
            why = f"no underlying price at entry ({spot.reason})"
            return (unavailable(why, source=self.source),) * 3  # type: ignore[return-value]
        legs: list[dict[str, Any]] = []
        weighted, weight, unit_delta = 0.0, 0.0, 0.0
        units = _units(e)
        failed: str | None = None
        for j, leg in enumerate(e.legs):
            if not leg.is_option:
                unit_delta += leg.quantity / units / 100.0
                continue
            got = per_leg.get((i, j))
            if got is None or not math.isfinite(got[3]):
                failed = failed or f"{leg.key}: no time to expiry (outside the market calendar)"
                continue
            sigma, d, reason, _ = got
            if reason is not IVFailure.OK:
                failed = failed or f"{leg.key.strip()}: {_IV_REASONS[reason]}"
                continue
            legs.append({"instrument": leg.key, "iv": round(sigma, 4), "delta": round(d, 4)})
            w = abs(leg.quantity) * leg.multiplier
            weighted += sigma * w
            weight += w
            unit_delta += leg.quantity / units * d * leg.multiplier / 100.0
        if failed is not None or weight == 0:
            why = failed or "no option leg could be priced"
            return (unavailable(why, source=src),) * 3  # type: ignore[return-value]
        mean_iv = weighted / weight
        iv_value = ok(round(mean_iv, 4), source=src, as_of=spot.as_of, legs=legs)
        delta_value = ok(round(unit_delta, 4), source=src, as_of=spot.as_of, units=units)
        first = e.first_expiration
        t = self._expiry_years(e.opened_at, first) if first is not None else None
        if t is None or t <= 0:
            em = unavailable("no time to the first expiration", source=src)
        else:
            move = spot.price * mean_iv * math.sqrt(t)
            em = ok(round(move, 2), source=src, as_of=spot.as_of,
                    percent=round(mean_iv * math.sqrt(t) * 100, 2))  # fmt: skip
        return iv_value, delta_value, em


def _units(e: Entry) -> int:
    """The number of units of the structure: the gcd of the option legs' whole quantities."""
    qs = [abs(leg.quantity) for leg in e.options]
    if qs and all(float(q).is_integer() for q in qs):
        return max(1, math.gcd(*(int(q) for q in qs)))
    return 1
