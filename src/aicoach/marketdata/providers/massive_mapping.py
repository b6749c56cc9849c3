"""Pure mapping from Massive JSON payloads to our market-data models (no I/O).

Vendor field map (single letters are Massive's)::

    aggregates  results[].{t ms UTC, o, h, l, c, v}        → BarSeries
    prev        results[0].{T, o, h, l, c, v, t ms}         → one daily bar
    snapshot    ticker.{lastTrade.p, lastQuote.{p bid, P ask, s bid size, S ask size},
                        day.{o,h,l,c,v}, prevDay.c, updated ns} → Quote
    last trade  results.{p, s, t ns}                          → Trade
    last nbbo   results.{p bid, P ask, s, S, t ns}            → Trade (price = midpoint)
    contracts   results[].expiration_date                     → expirations
    chain       results[].{details, last_quote, last_trade, day.volume, open_interest,
                           implied_volatility, greeks, underlying_asset.price} → OptionQuote
    tickers     results[].{ticker, name, type, market, primary_exchange} → SymbolInfo
    websocket   {ev T: sym, p, s, t ms} | {ev Q: sym, bp, bs, ap, as, t ms} → Trade

Units: aggregate and WebSocket times are Unix milliseconds, REST quote/trade times nanoseconds.
Option ``implied_volatility`` is a fraction (0.357 = 35.7 %), ``theta`` per calendar day, ``vega``
per volatility point, exactly our ``OptionQuote`` units, so they pass through unscaled. Sizes pass
through as Massive reports them (its docs give NBBO sizes in shares, streamed quote sizes in round
lots).

Any field that is missing or of the wrong type where we need it raises ``ProviderResponseError``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from aicoach.marketdata.errors import ProviderResponseError
from aicoach.marketdata.models import (
    AssetKind,
    BarSeries,
    DataSource,
    MarketPhase,
    OptionQuote,
    OptionRight,
    Quote,
    SymbolInfo,
    Timeframe,
    Trade,
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NEW_YORK = "America/New_York"

#: Our timeframe → Massive (multiplier, timespan).
TIMESPANS: dict[Timeframe, tuple[int, str]] = {
    Timeframe.M1: (1, "minute"),
    Timeframe.M5: (5, "minute"),
    Timeframe.M15: (15, "minute"),
    Timeframe.M30: (30, "minute"),
    Timeframe.H1: (1, "hour"),
    Timeframe.D1: (1, "day"),
    Timeframe.W1: (1, "week"),
    Timeframe.MO1: (1, "month"),
}

#: Maps a calendar date to the first trading session on or after it.
NextSession = Callable[[date], date]

# An IV above 2000 % or at/below zero is a vendor placeholder, not a volatility.
_MAX_PLAUSIBLE_IV = 20.0


# --- small typed accessors -------------------------------------------------------------------


def obj(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ProviderResponseError(f"Massive response: {what} is not an object.")
    return value


def sub(parent: dict[str, Any], key: str) -> dict[str, Any]:
    """An optional nested object: absent or not an object → ``{}``."""
    value = parent.get(key)
    return value if isinstance(value, dict) else {}


def seq(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ProviderResponseError(f"Massive response: {what} is not a list.")
    return value


def num(value: Any) -> float | None:
    """A finite number or ``None`` (bools are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    out = float(value)
    return out if math.isfinite(out) else None


def positive(value: Any) -> float | None:
    """Massive zeroes fields it has no data for (e.g. ``day`` before the open): 0 → None."""
    out = num(value)
    return out if out is not None and out > 0 else None


def need_num(value: Any, what: str) -> float:
    out = num(value)
    if out is None:
        raise ProviderResponseError(f"Massive response: {what} is missing or not a number.")
    return out


def from_ns(ns: Any) -> datetime | None:
    """Unix nanoseconds → aware UTC datetime (microsecond precision)."""
    if isinstance(ns, bool) or not isinstance(ns, int | float) or ns <= 0:
        return None
    return _EPOCH + timedelta(microseconds=int(ns) // 1000)


def from_ms(ms: Any) -> datetime | None:
    if isinstance(ms, bool) or not isinstance(ms, int | float) or ms <= 0:
        return None
    return _EPOCH + timedelta(milliseconds=int(ms))


# --- bars ------------------------------------------------------------------------------------


def bars(
    symbol: str,
    timeframe: Timeframe,
    results: Sequence[Any],
    source: DataSource,
    as_of: datetime,
    next_session: NextSession,
) -> BarSeries:
    """Aggregates → ``BarSeries``, oldest first, duplicates (page overlaps) dropped.

    Intraday bars keep Massive's open time (ms UTC → ``datetime64[ns]``). Daily bars are stamped
    by Massive at 00:00 America/New_York (the ``prev`` endpoint at the 16:00 close); we convert to
    the New York calendar date and stamp that date at 00:00 UTC, as ``BarSeries`` requires.
    Weekly/monthly windows start on a Sunday / the 1st: they are stamped at the first session on
    or after that date.
    """
    rows = [obj(r, "aggregate bar") for r in results]
    t_ms = np.array([need_num(r.get("t"), "bar time t") for r in rows], dtype=np.int64)
    cols = {
        k: np.array([need_num(r.get(k), f"bar field {k}") for r in rows], dtype=np.float64)
        for k in ("o", "h", "l", "c")
    }
    volume = np.array([num(r.get("v")) or 0.0 for r in rows], dtype=np.float64)
    if timeframe.is_intraday:
        times = t_ms.astype("datetime64[ms]").astype("datetime64[ns]")
    else:
        days = session_dates(t_ms)
        if timeframe is not Timeframe.D1:
            days = [next_session(d) for d in days]
        times = np.array(days, dtype="datetime64[D]").astype("datetime64[ns]")
    order = np.argsort(times, kind="stable")
    times = times[order]
    keep = np.ones(times.shape[0], dtype=bool)
    keep[1:] = times[1:] != times[:-1]
    idx = order[keep]
    return BarSeries(
        symbol=symbol,
        timeframe=timeframe,
        time=times[keep],
        open=cols["o"][idx],
        high=cols["h"][idx],
        low=cols["l"][idx],
        close=cols["c"][idx],
        volume=volume[idx],
        source=source,
        as_of=as_of,
    )


def session_dates(t_ms: np.ndarray[Any, np.dtype[np.int64]]) -> list[date]:
    """Unix-ms instants → their calendar dates in New York (DST-aware)."""
    if t_ms.size == 0:
        return []
    stamps = pd.to_datetime(t_ms, unit="ms", utc=True).tz_convert(NEW_YORK)
    return [ts.date() for ts in stamps]


# --- quotes and trades -----------------------------------------------------------------------


def snapshot_quote(symbol: str, body: dict[str, Any], source: DataSource) -> Quote:
    """``/v2/snapshot/.../tickers/{T}`` → ``Quote``.

    ``last`` is the last trade, else today's close so far, else the previous close (the snapshot
    is cleared at 03:30 ET and refills as trading starts).
    """
    t = obj(body.get("ticker"), "ticker")
    day = sub(t, "day")
    prev = sub(t, "prevDay")
    lt = sub(t, "lastTrade")
    lq = sub(t, "lastQuote")
    last = positive(lt.get("p")) or positive(day.get("c")) or positive(prev.get("c"))
    if last is None:
        raise ProviderResponseError(f"Massive snapshot for {symbol} carries no price.")
    as_of = from_ns(t.get("updated")) or from_ns(lt.get("t")) or datetime.now(UTC)
    has_day = positive(day.get("o")) is not None
    return Quote(
        symbol=symbol,
        last=last,
        bid=positive(lq.get("p")),
        ask=positive(lq.get("P")),
        bid_size=num(lq.get("s")),
        ask_size=num(lq.get("S")),
        prev_close=positive(prev.get("c")),
        day_open=positive(day.get("o")),
        day_high=positive(day.get("h")),
        day_low=positive(day.get("l")),
        day_volume=num(day.get("v")) if has_day else None,
        as_of=as_of,
        source=source,
    )


def composite_quote(
    symbol: str,
    prev_bar: dict[str, Any],
    trade: Trade | None,
    nbbo: Trade | None,
    source: DataSource,
) -> Quote:
    """A quote built from the previous-day bar plus last trade / last NBBO where the plan has them
    (plans without snapshot access). Day fields are unknown, so ``None``."""
    prev_close = need_num(prev_bar.get("c"), "previous close c")
    stamps = [x.at for x in (trade, nbbo) if x is not None]
    return Quote(
        symbol=symbol,
        last=trade.price if trade is not None else prev_close,
        bid=nbbo.bid if nbbo is not None else None,
        ask=nbbo.ask if nbbo is not None else None,
        bid_size=nbbo.extra.get("bid_size") if nbbo is not None else None,
        ask_size=nbbo.extra.get("ask_size") if nbbo is not None else None,
        prev_close=prev_close,
        day_open=None,
        day_high=None,
        day_low=None,
        day_volume=None,
        as_of=max(stamps) if stamps else from_ms(prev_bar.get("t")) or datetime.now(UTC),
        source=source,
    )


def last_trade(symbol: str, body: dict[str, Any], source: DataSource) -> Trade:
    r = obj(body.get("results"), "results")
    at = from_ns(r.get("t"))
    if at is None:
        raise ProviderResponseError("Massive last trade has no timestamp.")
    return Trade(
        symbol=symbol,
        price=need_num(r.get("p"), "trade price p"),
        size=num(r.get("s")) or 0.0,
        at=at,
        source=source,
    )


def _quote_trade(
    symbol: str,
    bid: float | None,
    ask: float | None,
    extra: dict[str, float],
    at: datetime,
    source: DataSource,
) -> Trade:
    """A quote as a ``Trade`` update: ``price`` is the midpoint, ``size`` 0 (nothing traded)."""
    if bid is not None and ask is not None:
        price = (bid + ask) / 2.0
    elif bid is not None or ask is not None:
        price = bid if bid is not None else ask  # type: ignore[assignment]
    else:
        raise ProviderResponseError(f"Massive quote for {symbol} has neither bid nor ask.")
    return Trade(symbol, float(price), 0.0, at, source, bid=bid, ask=ask, extra=extra)


def last_nbbo(symbol: str, body: dict[str, Any], source: DataSource) -> Trade:
    r = obj(body.get("results"), "results")
    at = from_ns(r.get("t"))
    if at is None:
        raise ProviderResponseError("Massive last quote has no timestamp.")
    extra = {
        k: v
        for k, v in (("bid_size", num(r.get("s"))), ("ask_size", num(r.get("S"))))
        if v is not None
    }
    return _quote_trade(symbol, positive(r.get("p")), positive(r.get("P")), extra, at, source)


def stream_event(event: dict[str, Any], source: DataSource) -> Trade | None:
    """One WebSocket event → ``Trade``; status and unknown events → ``None``."""
    ev = event.get("ev")
    sym = event.get("sym")
    if ev not in ("T", "Q") or not isinstance(sym, str):
        return None
    at = from_ms(event.get("t"))
    if at is None:
        raise ProviderResponseError(f"Massive stream event {ev} for {sym} has no time.")
    if ev == "T":
        return Trade(
            sym, need_num(event.get("p"), "trade price p"), num(event.get("s")) or 0.0, at, source
        )
    extra = {
        k: v
        for k, v in (("bid_size", num(event.get("bs"))), ("ask_size", num(event.get("as"))))
        if v is not None
    }
    return _quote_trade(
        sym, positive(event.get("bp")), positive(event.get("ap")), extra, at, source
    )


# --- options ---------------------------------------------------------------------------------


def expirations(results: Iterable[Any]) -> set[date]:
    out: set[date] = set()
    for r in results:
        out.add(_date(obj(r, "contract").get("expiration_date"), "expiration_date"))
    return out


def _date(value: Any, what: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ProviderResponseError(f"Massive response: {what} is not a date.") from exc


def option_quote(underlying: str, r: dict[str, Any]) -> OptionQuote:
    """One chain-snapshot result → ``OptionQuote`` (vendor IV/Greeks kept when plausible)."""
    details = obj(r.get("details"), "option details")
    ticker = str(details.get("ticker") or "")
    right_raw = details.get("contract_type")
    if right_raw not in ("call", "put") or not ticker:
        raise ProviderResponseError("Massive option snapshot lacks ticker or contract_type.")
    right = OptionRight(right_raw)
    q = sub(r, "last_quote")
    lt = sub(r, "last_trade")
    day = sub(r, "day")
    greeks = sub(r, "greeks")
    iv = positive(r.get("implied_volatility"))
    delta, gamma = num(greeks.get("delta")), num(greeks.get("gamma"))
    theta, vega = num(greeks.get("theta")), num(greeks.get("vega"))
    plausible = (
        iv is not None
        and iv < _MAX_PLAUSIBLE_IV
        and delta is not None
        and (0.0 <= delta <= 1.0 if right is OptionRight.CALL else -1.0 <= delta <= 0.0)
        and (gamma is None or gamma >= 0.0)
        and (vega is None or vega >= 0.0)
    )
    if not plausible:
        iv = delta = gamma = theta = vega = None
    return OptionQuote(
        contract=ticker.removeprefix("O:"),
        underlying=underlying,
        expiration=_date(details.get("expiration_date"), "expiration_date"),
        strike=need_num(details.get("strike_price"), "strike_price"),
        right=right,
        bid=positive(q.get("bid")),
        ask=positive(q.get("ask")),
        last=positive(lt.get("price")),
        volume=num(day.get("volume")),
        open_interest=num(r.get("open_interest")),
        iv=iv,
        delta=delta,
        gamma=gamma,
        theta=theta,
        vega=vega,
        greeks_from_provider=plausible,
    )


def chain_underlying(results: Sequence[dict[str, Any]]) -> tuple[float | None, datetime | None]:
    """The underlying price and the freshest time stamp seen across a chain snapshot."""
    price: float | None = None
    newest: datetime | None = None
    for r in results:
        ua = r.get("underlying_asset")
        if isinstance(ua, dict):
            price = price or positive(ua.get("price"))
            newest = _later(newest, from_ns(ua.get("last_updated")))
        q = r.get("last_quote")
        if isinstance(q, dict):
            newest = _later(newest, from_ns(q.get("last_updated")))
    return price, newest


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    return a if b is None else max(a, b)


# --- reference and status --------------------------------------------------------------------


def symbol_info(r: dict[str, Any]) -> SymbolInfo:
    ticker = r.get("ticker")
    if not isinstance(ticker, str) or not ticker:
        raise ProviderResponseError("Massive ticker entry lacks 'ticker'.")
    kind = AssetKind.STOCK
    if str(r.get("type", "")).upper() in ("ETF", "ETN", "ETV", "ETS"):
        kind = AssetKind.ETF
    elif r.get("market") == "indices":
        kind = AssetKind.INDEX
    exchange = r.get("primary_exchange")
    return SymbolInfo(
        symbol=ticker,
        name=str(r.get("name") or ticker),
        kind=kind,
        exchange=exchange if isinstance(exchange, str) and exchange else "XNYS",
    )


def market_phase(body: dict[str, Any]) -> MarketPhase:
    """``/v1/marketstatus/now`` → phase: ``extended-hours`` splits by earlyHours/afterHours."""
    market = body.get("market")
    if market == "open":
        return MarketPhase.REGULAR
    if market == "extended-hours":
        if body.get("earlyHours") is True:
            return MarketPhase.PRE_MARKET
        if body.get("afterHours") is True:
            return MarketPhase.AFTER_HOURS
    if market in ("closed", "extended-hours"):
        return MarketPhase.CLOSED
    raise ProviderResponseError("Massive market status has an unknown 'market' value.")
