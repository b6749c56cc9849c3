"""``SimulatedMarketData``: the embedded default provider — a seeded, self-consistent market that
needs no API key and no network.

What it serves, all labelled ``DataSource.SIMULATED``:

* daily bars on real XNYS sessions from 2019-01-02 (``simulation.paths``: GARCH volatility
  clustering, trend/range regimes, fat tails, beta to a common factor, overnight and earnings
  gaps);
* one-minute bars with pre-market (04:00 ET) and after-hours (to 20:00 ET, 17:00 ET after an
  early close) for the last ``intraday_history_sessions`` sessions (``simulation.intraday``),
  whose regular-session bars aggregate exactly to the daily bar; 5m/15m/30m/1h, 1w and 1mo are
  aggregated by :func:`aicoach.marketdata.resample.resample`;
* quotes that move second by second along the same path during extended and regular hours and
  stand still at the last print while the market is shut;
* option chains listed by real rules (``simulation.listings``: dailies, weeklies, monthlies,
  quarterlies, LEAPS; strike ranges and increments by price band and distance from the money)
  and priced from a skewed, term-structured surface as American options
  (``simulation.options_surface``), with volume and open interest scaled to the name's option
  liquidity; ``iv=None`` and ``greeks_from_provider=False``: the options engine computes them.

Nothing after ``now()`` is ever returned: today's daily bar and the current minute's bar are
partial, up to the current second. Everything is a pure function of ``(seed, symbol, now)``.
Paths are generated lazily and memoised: a symbol's daily path on first use (~2 ms), a session's
second-by-second path on demand (~2 ms, LRU-cached).
"""

from __future__ import annotations

import asyncio
import math
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Hashable
from datetime import date, datetime
from typing import Final, Generic, TypeVar

import numpy as np

from aicoach.kit.clock import NEW_YORK, Clock, system_clock
from aicoach.marketdata.calendar import MarketCalendar, default_calendar
from aicoach.marketdata.errors import (
    ExpirationNotFoundError,
    InvalidBarRangeError,
    ProviderUnavailableError,
    SymbolNotFoundError,
)
from aicoach.marketdata.models import (
    AssetKind,
    BarSeries,
    DataSource,
    MarketPhase,
    OptionChain,
    OptionQuote,
    OptionRight,
    Quote,
    SymbolInfo,
    Timeframe,
    Trade,
)
from aicoach.marketdata.resample import resample
from aicoach.options.core.exercise import ExerciseStyle, exercise_style
from aicoach.options.core.expiry import t_years
from aicoach.simulation.grid import (
    NS_PER_S,
    SessionGrid,
    build_grid,
    from_ns,
    to_ns,
)
from aicoach.simulation.intraday import (
    MinuteBars,
    SessionPath,
    build_session,
    minute_bars,
    partial_minute,
)
from aicoach.simulation.listings import (
    activity,
    expiration_kind,
    listed_expirations,
    strike_ladder,
)
from aicoach.simulation.options_surface import occ_symbol, price_chain, surface_for
from aicoach.simulation.paths import (
    TRADING_DAYS,
    DailyPath,
    MarketFactor,
    daily_path,
    market_factor,
    realized_vol,
)
from aicoach.simulation.universe import Stream, SymbolSpec, lookup, rng_for, search

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_NS_PER_DAY: Final = 86_400 * NS_PER_S
#: Option volume (contracts/day) at which quotes are as tight as the base spread model says;
#: thinner names quote wider, by (this / volume)^0.15.
_LIQUID_OPTIONS: Final = 1e6


class _LRU(Generic[K, V]):
    """A tiny least-recently-used map (``functools.lru_cache`` would pin ``self``)."""

    def __init__(self, maxsize: int) -> None:
        self._data: OrderedDict[K, V] = OrderedDict()
        self._maxsize = maxsize

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        if key in self._data:
            self._data.move_to_end(key)
            return self._data[key]
        value = make()
        self._data[key] = value
        if len(self._data) > self._maxsize:
            self._data.popitem(last=False)
        return value

    def clear(self) -> None:
        self._data.clear()


class _At:
    """Where ``now`` falls: session index ``i`` (the latest whose pre-market has begun), the phase
    and the second offset from that session's pre-market start."""

    __slots__ = ("i", "now_ns", "phase", "sec")

    def __init__(self, grid: SessionGrid, now_ns: int) -> None:
        i = grid.last_started(now_ns)
        if i < 0:
            raise ProviderUnavailableError("The simulated market starts on 2019-01-02.")
        self.i, self.now_ns = i, now_ns
        self.sec = int((now_ns - int(grid.pre_ns[i])) // NS_PER_S)
        if now_ns < grid.open_ns[i]:
            self.phase = MarketPhase.PRE_MARKET
        elif now_ns < grid.close_ns[i]:
            self.phase = MarketPhase.REGULAR
        elif now_ns < grid.ah_ns[i]:
            self.phase = MarketPhase.AFTER_HOURS
        else:
            self.phase = MarketPhase.CLOSED


class SimulatedMarketData:
    """The simulated market (see module docstring). ``now`` pins the clock for tests and demos."""

    name = "simulated"
    source = DataSource.SIMULATED

    def __init__(
        self,
        seed: int,
        calendar: MarketCalendar | None = None,
        now: Clock | None = None,
        *,
        risk_free_rate: float = 0.04,
        tick_seconds: float = 1.0,
        intraday_history_sessions: int = 60,
    ) -> None:
        self.seed = seed
        self.calendar = calendar if calendar is not None else default_calendar()
        self.now: Clock = now if now is not None else system_clock
        self.risk_free_rate = risk_free_rate
        self.tick_seconds = tick_seconds
        self.intraday_history_sessions = intraday_history_sessions
        self._grid: SessionGrid | None = None
        self._factor: MarketFactor | None = None
        self._daily: dict[str, DailyPath] = {}
        self._paths: _LRU[tuple[str, int], SessionPath] = _LRU(48)
        self._bars: _LRU[tuple[str, int], MinuteBars] = _LRU(1024)

    # --- lazily built state ----------------------------------------------------------------

    @property
    def grid(self) -> SessionGrid:
        if self._grid is None:
            self._grid = build_grid(self.calendar)
        return self._grid

    def spec(self, symbol: str) -> SymbolSpec:
        spec = lookup(symbol)
        if spec is None:
            raise SymbolNotFoundError(symbol)
        return spec

    def daily(self, spec: SymbolSpec) -> DailyPath:
        path = self._daily.get(spec.symbol)
        if path is None:
            if self._factor is None:
                self._factor = market_factor(self.seed, len(self.grid))
            path = daily_path(self.seed, spec, self.grid, self._factor)
            self._daily[spec.symbol] = path
        return path

    def session_path(self, spec: SymbolSpec, i: int) -> SessionPath:
        return self._paths.get_or_make(
            (spec.symbol, i),
            lambda: build_session(self.seed, spec, self.grid, self.daily(spec), i),
        )

    def _minute_bars(self, spec: SymbolSpec, i: int) -> MinuteBars:
        return self._bars.get_or_make(
            (spec.symbol, i), lambda: minute_bars(self.session_path(spec, i))
        )

    def _at(self, now: datetime | None = None) -> _At:
        return _At(self.grid, to_ns(now if now is not None else self.now()))

    # --- symbols ---------------------------------------------------------------------------

    async def search_symbols(self, query: str, limit: int = 20) -> list[SymbolInfo]:
        return search(query, limit)

    async def get_symbol(self, symbol: str) -> SymbolInfo:
        return self.spec(symbol).info

    # --- bars ------------------------------------------------------------------------------

    async def get_bars(
        self, symbol: str, timeframe: Timeframe, start: datetime, end: datetime
    ) -> BarSeries:
        return self.bars(symbol, timeframe, start, end)

    def bars(self, symbol: str, timeframe: Timeframe, start: datetime, end: datetime) -> BarSeries:
        """Synchronous :meth:`get_bars` (bars are computed in memory, never awaited)."""
        spec = self.spec(symbol)
        if start.tzinfo is None or end.tzinfo is None:
            raise InvalidBarRangeError("start and end must be timezone-aware.")
        start_ns, end_ns = to_ns(start), to_ns(end)
        if start_ns >= end_ns:
            raise InvalidBarRangeError("start must be before end.")
        at = self._at()
        if timeframe == Timeframe.D1:
            return self._daily_series(spec, start_ns, end_ns, at)
        if timeframe in (Timeframe.W1, Timeframe.MO1):
            wide_start = start_ns - 35 * _NS_PER_DAY  # whole first week/month
            daily = self._daily_series(spec, wide_start, end_ns + 35 * _NS_PER_DAY, at)
            return _window(resample(daily, timeframe, self.calendar), start_ns, end_ns)
        minutes = self._minute_series(spec, start_ns, end_ns, at)
        if timeframe == Timeframe.M1:
            return _window(minutes, start_ns, end_ns)
        return _window(resample(minutes, timeframe, self.calendar), start_ns, end_ns)

    def _daily_series(self, spec: SymbolSpec, start_ns: int, end_ns: int, at: _At) -> BarSeries:
        grid, path = self.grid, self.daily(spec)
        stamps = grid.days.astype(np.int64) * _NS_PER_DAY
        lo = int(np.searchsorted(stamps, start_ns, side="left"))
        hi = int(np.searchsorted(stamps, end_ns, side="left"))
        today_open = at.now_ns >= grid.open_ns[at.i]
        hi = min(hi, at.i + 1 if today_open else at.i)
        sl = slice(lo, max(lo, hi))
        o, h, low, c, v = (path.open[sl].copy(), path.high[sl].copy(), path.low[sl].copy(),
                           path.close[sl].copy(), path.volume[sl].copy())  # fmt: skip
        if hi == at.i + 1 and hi > lo and at.phase == MarketPhase.REGULAR:
            # Today's bar so far: the regular session up to the current second.
            _, h[-1], low[-1], c[-1], v[-1] = self._regular_so_far(spec, at)
        return BarSeries(spec.symbol, Timeframe.D1, stamps[sl].astype("datetime64[ns]"), o, h, low,
                         c, v, self.source, from_ns(at.now_ns))  # fmt: skip

    def _regular_so_far(
        self, spec: SymbolSpec, at: _At
    ) -> tuple[float, float, float, float, float]:
        path = self.session_path(spec, at.i)
        p = path.prices[path.open_sec : at.sec + 1]
        m_open, m_now = path.open_sec // 60, at.sec // 60
        vol = float(path.minute_volume[m_open:m_now].sum()) + partial_minute(path, at.sec)[4]
        return float(p[0]), float(p.max()), float(p.min()), float(p[-1]), vol

    def _minute_series(self, spec: SymbolSpec, start_ns: int, end_ns: int, at: _At) -> BarSeries:
        grid = self.grid
        first = max(0, at.i - self.intraday_history_sessions + 1)
        lo = max(first, int(np.searchsorted(grid.ah_ns, start_ns, side="right")))
        hi = min(at.i + 1, int(np.searchsorted(grid.pre_ns, end_ns, side="left")))
        parts: list[MinuteBars] = []
        for i in range(lo, hi):
            bars = self._minute_bars(spec, i)
            if i == at.i and at.phase != MarketPhase.CLOSED:
                bars = self._truncate_now(spec, bars, at)
            parts.append(bars)
        if not parts:
            empty = np.empty(0, dtype=np.float64)
            parts = [MinuteBars(np.empty(0, dtype=np.int64), empty, empty, empty, empty, empty)]
        return BarSeries(
            spec.symbol, Timeframe.M1,
            np.concatenate([b.time_ns for b in parts]).astype("datetime64[ns]"),
            np.concatenate([b.open for b in parts]), np.concatenate([b.high for b in parts]),
            np.concatenate([b.low for b in parts]), np.concatenate([b.close for b in parts]),
            np.concatenate([b.volume for b in parts]), self.source, from_ns(at.now_ns),
        )  # fmt: skip

    def _truncate_now(self, spec: SymbolSpec, bars: MinuteBars, at: _At) -> MinuteBars:
        """The session's bars that began before ``now``; the last one partial."""
        n = int(np.searchsorted(bars.time_ns, at.now_ns, side="left"))
        head = _head(bars, n)
        if n > 0:
            o, h, low, c, v = partial_minute(self.session_path(spec, at.i), at.sec)
            head.open[-1], head.high[-1], head.low[-1] = o, h, low
            head.close[-1], head.volume[-1] = c, v
        return head

    # --- quotes ----------------------------------------------------------------------------

    async def get_quote(self, symbol: str) -> Quote:
        return self.quote(symbol)

    def quote(self, symbol: str, now: datetime | None = None) -> Quote:
        """Synchronous :meth:`get_quote`, optionally at another instant than ``now()``."""
        spec = self.spec(symbol)
        at = self._at(now)
        path, i = self.daily(spec), at.i
        # The prior close is the close before the calendar's reference session: once a session's
        # after-hours are over (CLOSED), that is this session's own close.
        ref = i + 1 if at.phase == MarketPhase.CLOSED else i
        prev_close = float(path.close[ref - 1]) if ref > 0 else None
        day: tuple[float | None, ...] = (
            float(path.open[i]),
            float(path.high[i]),
            float(path.low[i]),
            float(path.volume[i]),
        )
        if at.phase == MarketPhase.CLOSED:
            last, as_of_ns = float(path.ah_last[i]), int(self.grid.ah_ns[i])
        else:
            last, as_of_ns = self.session_path(spec, i).price_at(at.sec), at.now_ns
            if at.phase == MarketPhase.PRE_MARKET:
                day = (None, None, None, None)
            elif at.phase == MarketPhase.REGULAR:
                o, h, low, _, v = self._regular_so_far(spec, at)
                day = (o, h, low, v)
        # Shut: the book stands still at the after-hours end, so the quote is frozen too.
        sec = (as_of_ns - int(self.grid.pre_ns[i])) // NS_PER_S
        rng = rng_for(self.seed, spec.symbol, Stream.QUOTE, i, sec)
        ticks = spec.spread_cents * (1 if at.phase == MarketPhase.REGULAR else 4)
        ticks += int(rng.random() < 0.3)
        below = int(rng.integers(0, ticks + 1))
        bid = round(last - 0.01 * below, 2)
        ask = round(bid + 0.01 * ticks, 2)
        sizes = 100.0 * (1 + rng.geometric(0.35, 2))
        return Quote(
            symbol=spec.symbol, last=last, bid=bid, ask=ask,
            bid_size=float(sizes[0]), ask_size=float(sizes[1]), prev_close=prev_close,
            day_open=day[0], day_high=day[1], day_low=day[2], day_volume=day[3],
            as_of=from_ns(as_of_ns), source=self.source,
        )  # fmt: skip

    def phase(self, now: datetime | None = None) -> MarketPhase:
        return self._at(now).phase

    # --- options ---------------------------------------------------------------------------

    async def get_expirations(self, symbol: str) -> list[date]:
        return self.expirations(symbol)

    def expirations(self, symbol: str, now: datetime | None = None) -> list[date]:
        spec = self.spec(symbol)
        at_dt = now if now is not None else self.now()
        now_ns = to_ns(at_dt)
        today = from_ns(now_ns).astimezone(NEW_YORK).date()
        listed = listed_expirations(self.calendar, today, spec.option_program)
        return [e for e in listed if to_ns(self.calendar.expiration_close(e)) > now_ns]

    async def get_chain(self, symbol: str, expiration: date) -> OptionChain:
        return self.chain(symbol, expiration)

    def chain(self, symbol: str, expiration: date, now: datetime | None = None) -> OptionChain:
        spec = self.spec(symbol)
        now_dt = from_ns(to_ns(now if now is not None else self.now()))
        listed = self.expirations(symbol, now_dt)
        if expiration not in listed:
            raise ExpirationNotFoundError(
                f"{spec.symbol} has no listed expiration on {expiration.isoformat()}."
            )
        at = self._at(now_dt)
        grid, path = self.grid, self.daily(spec)
        spot = self.quote(symbol, now_dt).last
        t = t_years(now_dt, self.calendar.expiration_close(expiration))
        done = at.i if at.now_ns >= grid.close_ns[at.i] else at.i - 1  # last finished session
        cond = float(path.sigma[min(done + 1, len(grid) - 1)]) * math.sqrt(TRADING_DAYS)
        etf = spec.info.kind != AssetKind.STOCK
        surface = surface_for(etf, realized_vol(path, max(done, 1)), cond, spec.total_vol)
        exp_i = grid.index_of(expiration)
        upcoming = path.earnings[done + 1 : exp_i + 1]
        event_var = float(np.count_nonzero(upcoming)) * spec.earnings_vol**2
        # Strikes are listed around the last close, so the ladder stands still through the day.
        anchor = float(path.close[max(done, 0)])
        kind = expiration_kind(self.calendar, expiration)
        strikes = strike_ladder(anchor, t, surface.atm_vol(t, event_var), kind, etf)
        q = spec.info.dividend_yield
        day_fraction = float(
            np.clip(
                (at.now_ns - grid.open_ns[at.i]) / (grid.close_ns[at.i] - grid.open_ns[at.i]),
                0.0,
                1.0,
            )
        )
        today = now_dt.astimezone(NEW_YORK).date()
        quotes = price_chain(
            spot=spot, strikes=strikes, t_years=t, r=self.risk_free_rate, q=q, surface=surface,
            event_var=event_var, etf=etf, penny=spec.penny_options,
            american=exercise_style(spec.symbol, spec.info.kind) is ExerciseStyle.AMERICAN,
            activity=activity(self.calendar, today, listed, expiration, spec.option_volume),
            day_fraction=day_fraction if at.phase != MarketPhase.CLOSED else 1.0,
            thin=float(np.clip((_LIQUID_OPTIONS / spec.option_volume) ** 0.15, 0.8, 2.5)),
            rng=rng_for(self.seed, spec.symbol, Stream.CHAIN, at.i, expiration.toordinal()),
        )  # fmt: skip
        contracts: list[OptionQuote] = []
        for j, k in enumerate(quotes.strikes.tolist()):
            for right, bid, ask, last, vol, oi in (
                (OptionRight.CALL, quotes.call_bid, quotes.call_ask, quotes.call_last,
                 quotes.call_volume, quotes.call_oi),
                (OptionRight.PUT, quotes.put_bid, quotes.put_ask, quotes.put_last,
                 quotes.put_volume, quotes.put_oi),
            ):  # fmt: skip
                lst = float(last[j])
                contracts.append(OptionQuote(
                    contract=occ_symbol(spec.symbol, expiration, right == OptionRight.CALL, k),
                    underlying=spec.symbol, expiration=expiration, strike=k, right=right,
                    bid=float(bid[j]), ask=float(ask[j]), last=None if math.isnan(lst) else lst,
                    volume=float(vol[j]), open_interest=float(oi[j]),
                    iv=None, greeks_from_provider=False,
                ))  # fmt: skip
        return OptionChain(spec.symbol, expiration, spot, tuple(contracts), now_dt, self.source,
                           dividend_yield=q)  # fmt: skip

    # --- streaming -------------------------------------------------------------------------

    def stream(self, symbols: list[str]) -> AsyncIterator[Trade]:
        """Trades for ``symbols`` every ``tick_seconds`` while the market (extended hours
        included) is open; silent while it is shut. Unknown symbols raise at once."""
        specs = [self.spec(s) for s in symbols]
        return self._ticks(specs)

    async def _ticks(self, specs: list[SymbolSpec]) -> AsyncIterator[Trade]:
        while True:
            now = self.now()
            at = self._at(now)
            if at.phase != MarketPhase.CLOSED:
                for spec in specs:
                    q = self.quote(spec.symbol, now)
                    path = self.session_path(spec, at.i)
                    per_sec = float(path.minute_volume[min(at.sec // 60, path.minutes - 1)]) / 60
                    rng = rng_for(self.seed, spec.symbol, Stream.QUOTE, at.i, at.sec, 1)
                    size = max(1.0, float(np.round(per_sec * rng.exponential(1.0), -2)) or 100.0)
                    yield Trade(spec.symbol, q.last, size, now, self.source, bid=q.bid, ask=q.ask)
            await asyncio.sleep(self.tick_seconds)

    async def aclose(self) -> None:
        self._paths.clear()
        self._bars.clear()


def _head(bars: MinuteBars, n: int) -> MinuteBars:
    """The first ``n`` bars, as copies (the cached arrays are never written)."""
    return MinuteBars(
        bars.time_ns[:n].copy(), bars.open[:n].copy(), bars.high[:n].copy(),
        bars.low[:n].copy(), bars.close[:n].copy(), bars.volume[:n].copy(),
    )  # fmt: skip


def _window(series: BarSeries, start_ns: int, end_ns: int) -> BarSeries:
    t = series.time.astype("datetime64[ns]").astype(np.int64)
    lo = int(np.searchsorted(t, start_ns, side="left"))
    hi = int(np.searchsorted(t, end_ns, side="left"))
    return series.slice(lo, hi)


__all__ = ["SimulatedMarketData"]
