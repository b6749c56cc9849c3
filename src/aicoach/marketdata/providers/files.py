"""The trader's own OHLCV files as a market-data provider (``DataSource.FILES``).

Layout (documented for users in ``docs/files-provider.md``)::

    <root>/<SYMBOL>/<timeframe>.csv        e.g. data/market/SPY/1d.csv, data/market/SPY/5m.csv
    <root>/<SYMBOL>/<timeframe>.parquet    (Parquet wins when both exist)

``<timeframe>`` is one of ``1m 5m 15m 30m 1h 1d 1w 1mo``. Columns (case-insensitive, any order,
extra columns ignored): ``time, open, high, low, close`` and optionally ``volume`` (0 when absent).

Time rules:

* intraday files: ISO 8601 date-times. With an offset (``2024-03-08T09:30:00-05:00``, ``…Z``)
  they are exact; without one they are New York wall-clock time (DST resolved by ``zoneinfo``
  rules; a time that does not exist or is ambiguous is an error). Each row is a bar's *open* time.
* daily and coarser files: the date as written (``2024-03-08``; a time or offset after it is
  ignored) is the session date; bars are stamped at that date 00:00 UTC like every provider.
* Parquet: a ``timestamp`` column (with or without a zone, same rules) or a ``date`` column.

Quotes are the last bar of the finest timeframe on disk. There are no options: expirations and
chains raise ``OptionsNotAvailableError`` (404). Streaming yields nothing.

Parsed files are kept in memory keyed by (path, mtime, size), so editing a file is picked up.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from aicoach.marketdata.calendar import ET, MarketCalendar, default_calendar
from aicoach.marketdata.errors import (
    BadDataFileError,
    OptionsNotAvailableError,
    SymbolNotFoundError,
    TimeframeNotSupportedError,
)
from aicoach.marketdata.models import (
    AssetKind,
    BarSeries,
    DataSource,
    OptionChain,
    Quote,
    SymbolInfo,
    Timeframe,
    Trade,
)
from aicoach.marketdata.resample import ORDER

REQUIRED_COLUMNS: Final = ("time", "open", "high", "low", "close")
SUFFIXES: Final = (".parquet", ".csv")
_OFFSET_RE: Final = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$", re.IGNORECASE)
_DATE_ONLY_RE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, slots=True)
class _Loaded:
    stamp: tuple[int, int]  # (mtime_ns, size)
    series: BarSeries
    time_ns: np.ndarray  # int64 UTC ns of ``series.time``, for range slicing


class FilesMarketData:
    """Bars from ``root``; see the module docstring for the layout and time rules."""

    name = "files"
    source = DataSource.FILES

    def __init__(self, root: Path, calendar: MarketCalendar | None = None) -> None:
        self.root = Path(root)
        self._calendar = calendar if calendar is not None else default_calendar()
        self._loaded: dict[Path, _Loaded] = {}

    # --- discovery ---------------------------------------------------------------------------

    def _symbol_dirs(self) -> dict[str, Path]:
        if not self.root.is_dir():
            return {}
        return {p.name.upper(): p for p in self.root.iterdir() if p.is_dir()}

    def _symbol_dir(self, symbol: str) -> Path:
        folder = self._symbol_dirs().get(symbol.strip().upper())
        if folder is None:
            raise SymbolNotFoundError(symbol)
        return folder

    def _file_for(self, folder: Path, timeframe: Timeframe) -> Path | None:
        for suffix in SUFFIXES:
            path = folder / f"{timeframe.value}{suffix}"
            if path.is_file():
                return path
        return None

    def available_timeframes(self, symbol: str) -> list[Timeframe]:
        """Timeframes with a file for ``symbol``, finest first."""
        folder = self._symbol_dir(symbol)
        return [tf for tf in ORDER if self._file_for(folder, tf) is not None]

    # --- the port ----------------------------------------------------------------------------

    async def search_symbols(self, query: str, limit: int = 20) -> list[SymbolInfo]:
        q = query.strip().upper()
        names = sorted(self._symbol_dirs())
        hits = sorted((n for n in names if q in n), key=lambda n: (not n.startswith(q), n))
        return [self._info(n) for n in hits[:limit]]

    async def get_symbol(self, symbol: str) -> SymbolInfo:
        return self._info(self._symbol_dir(symbol).name.upper())

    async def get_bars(
        self, symbol: str, timeframe: Timeframe, start: datetime, end: datetime
    ) -> BarSeries:
        folder = self._symbol_dir(symbol)
        path = self._file_for(folder, timeframe)
        if path is None:
            have = tuple(tf.value for tf in ORDER if self._file_for(folder, tf) is not None)
            raise TimeframeNotSupportedError(
                symbol.upper(), timeframe.value, have, provider=self.name
            )
        loaded = await asyncio.to_thread(self._load, path, symbol.strip().upper(), timeframe)
        lo = int(np.searchsorted(loaded.time_ns, _ns(start), side="left"))
        hi = int(np.searchsorted(loaded.time_ns, _ns(end), side="left"))
        return loaded.series.slice(lo, hi)

    async def get_quote(self, symbol: str) -> Quote:
        folder = self._symbol_dir(symbol)
        sym = folder.name.upper()
        tfs = [tf for tf in ORDER if self._file_for(folder, tf) is not None]
        if not tfs:
            raise SymbolNotFoundError(symbol)
        tf = tfs[0]
        path = self._file_for(folder, tf)
        assert path is not None
        s = (await asyncio.to_thread(self._load, path, sym, tf)).series
        if len(s) == 0:
            raise BadDataFileError(f"{path}: the file has no bars, so there is no quote.")
        return _quote_from(s, self._calendar)

    async def get_expirations(self, symbol: str) -> list[date]:
        self._symbol_dir(symbol)
        raise OptionsNotAvailableError(
            "The files market-data provider has no options data (expirations, chains); "
            "switch to the simulated or Massive provider for options."
        )

    async def get_chain(self, symbol: str, expiration: date) -> OptionChain:
        await self.get_expirations(symbol)
        raise AssertionError("unreachable")  # pragma: no cover

    async def stream(self, symbols: list[str]) -> AsyncIterator[Trade]:
        """Files are not live: the stream ends at once."""
        for _ in ():
            yield _

    async def aclose(self) -> None:
        self._loaded.clear()

    # --- loading -----------------------------------------------------------------------------

    def _info(self, symbol: str) -> SymbolInfo:
        return SymbolInfo(symbol=symbol, name=symbol, kind=AssetKind.STOCK)

    def _load(self, path: Path, symbol: str, timeframe: Timeframe) -> _Loaded:
        st = path.stat()
        stamp = (st.st_mtime_ns, st.st_size)
        cached = self._loaded.get(path)
        if cached is not None and cached.stamp == stamp:
            return cached
        frame = read_bars_frame(path)
        series = frame_to_series(
            frame, path, symbol, timeframe, as_of=datetime.fromtimestamp(st.st_mtime, UTC)
        )
        time_ns = series.time.astype("datetime64[ns]").astype(np.int64)
        loaded = _Loaded(stamp, series, time_ns)
        self._loaded[path] = loaded
        return loaded


def read_bars_frame(path: Path) -> pd.DataFrame:
    """Read a CSV or Parquet file into a frame with lower-cased, stripped column names."""
    try:
        if path.suffix == ".parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path, dtype={"time": str, "Time": str, "TIME": str})
    except (OSError, ValueError, ImportError) as exc:
        raise BadDataFileError(f"{path}: cannot be read ({exc}).") from exc
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    return frame


def frame_to_series(
    frame: pd.DataFrame, path: Path, symbol: str, timeframe: Timeframe, *, as_of: datetime
) -> BarSeries:
    """Validate columns and times (see module docstring) and build a sorted ``BarSeries``."""
    for col in REQUIRED_COLUMNS:
        if col not in frame.columns:
            raise BadDataFileError(
                f"{path}: missing column '{col}' (need {', '.join(REQUIRED_COLUMNS)}"
                f"[, volume]; found {', '.join(map(str, frame.columns)) or 'none'})."
            )
    times = _parse_times(frame["time"], path, timeframe)
    values = {}
    for col in ("open", "high", "low", "close", "volume"):
        if col == "volume" and col not in frame.columns:
            values[col] = np.zeros(len(frame), dtype=np.float64)
            continue
        num = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=np.float64)
        bad = np.flatnonzero(~np.isfinite(num))
        if bad.size:
            row = int(bad[0])
            raise BadDataFileError(
                f"{path}: column '{col}' has a missing or non-numeric value "
                f"{frame[col].iloc[row]!r} on data row {row + 1}."
            )
        values[col] = num
    order = np.argsort(times, kind="stable")
    times = times[order]
    dup = np.flatnonzero(np.diff(times) == 0)
    if dup.size:
        when = times[dup[0]].astype("datetime64[ns]")
        raise BadDataFileError(f"{path}: two bars share the time {when} (UTC).")
    return BarSeries(
        symbol=symbol,
        timeframe=timeframe,
        time=times.astype("datetime64[ns]"),
        open=values["open"][order],
        high=values["high"][order],
        low=values["low"][order],
        close=values["close"][order],
        volume=values["volume"][order],
        source=DataSource.FILES,
        as_of=as_of,
    )


def _parse_times(col: pd.Series, path: Path, timeframe: Timeframe) -> np.ndarray:
    """→ int64 UTC nanoseconds, per the time rules."""
    if col.isna().any():
        row = int(np.flatnonzero(col.isna().to_numpy())[0])
        raise BadDataFileError(f"{path}: column 'time' is empty on data row {row + 1}.")
    if pd.api.types.is_datetime64_any_dtype(col.dtype):
        return _from_timestamps(col, path, timeframe)
    if col.dtype == object and len(col) and isinstance(col.iloc[0], date):
        return _from_timestamps(pd.to_datetime(col), path, timeframe)
    text = col.astype(str).str.strip()
    try:
        if not timeframe.is_intraday:
            days = pd.to_datetime(text.str.slice(0, 10), format="%Y-%m-%d")
            return _ns_array(days)
        if text.str.match(_DATE_ONLY_RE).any():
            raise BadDataFileError(
                f"{path}: column 'time' holds dates, but {timeframe.value} bars need a "
                "date and time (e.g. 2024-03-08T09:30:00-05:00)."
            )
        has_offset = text.str.contains(_OFFSET_RE)
        if has_offset.all():
            return _ns_array(pd.to_datetime(text, format="ISO8601", utc=True))
        if has_offset.any():
            raise BadDataFileError(
                f"{path}: column 'time' mixes times with and without a UTC offset."
            )
        return _from_timestamps(pd.to_datetime(text, format="ISO8601"), path, timeframe)
    except (ValueError, TypeError) as exc:
        raise BadDataFileError(f"{path}: column 'time' has an unreadable value ({exc}).") from exc


def _from_timestamps(col: pd.Series, path: Path, timeframe: Timeframe) -> np.ndarray:
    tz = getattr(col.dt, "tz", None)
    if not timeframe.is_intraday:
        wall = col.dt.tz_localize(None) if tz is not None else col
        return _ns_array(wall.dt.normalize())
    if tz is not None:
        return _ns_array(col.dt.tz_convert("UTC"))
    try:
        local = col.dt.tz_localize(ET, ambiguous="raise", nonexistent="raise")
    except (ValueError, TypeError) as exc:
        raise BadDataFileError(
            f"{path}: column 'time' has a New York time that does not exist or is "
            f"ambiguous around a DST change; write it with its offset ({exc})."
        ) from exc
    return _ns_array(local.dt.tz_convert("UTC"))


def _ns_array(col: pd.Series) -> np.ndarray:
    naive = col.dt.tz_convert("UTC").dt.tz_localize(None) if col.dt.tz is not None else col
    return np.asarray(naive.to_numpy().astype("datetime64[ns]").astype(np.int64))


def _ns(at: datetime) -> np.int64:
    if at.tzinfo is None:
        raise ValueError("start/end must be timezone-aware")
    return np.datetime64(at.astimezone(UTC).replace(tzinfo=None), "ns").astype(np.int64)


def _quote_from(s: BarSeries, calendar: MarketCalendar) -> Quote:
    """Last bar's close as ``last``; the day's open/high/low/volume from the bars of the last
    New York date; ``prev_close`` the last close before that date."""
    t_ns = s.time.astype("datetime64[ns]").astype(np.int64)
    if s.timeframe.is_intraday:
        local = pd.DatetimeIndex(s.time.astype("datetime64[ns]"), tz="UTC").tz_convert(ET)
        day = local.normalize().tz_localize(None).to_numpy().astype("datetime64[D]")
        end = datetime.fromtimestamp(int(t_ns[-1]) / 1e9, UTC) + timedelta(
            minutes=s.timeframe.minutes
        )
    else:
        day = s.time.astype("datetime64[D]")
        end = _daily_as_of(day[-1].astype(object), s, calendar)
    first = int(np.searchsorted(day, day[-1], side="left"))
    return Quote(
        symbol=s.symbol,
        last=float(s.close[-1]),
        bid=None,
        ask=None,
        bid_size=None,
        ask_size=None,
        prev_close=float(s.close[first - 1]) if first > 0 else None,
        day_open=float(s.open[first]),
        day_high=float(s.high[first:].max()),
        day_low=float(s.low[first:].min()),
        day_volume=float(s.volume[first:].sum()),
        as_of=end,
        source=DataSource.FILES,
    )


def _daily_as_of(d: date, s: BarSeries, calendar: MarketCalendar) -> datetime:
    """A daily bar is final at its session's close (for weekly/monthly files: the close of the
    session the bar is stamped at, a lower bound)."""
    if calendar.first_date <= d <= calendar.last_date and calendar.is_session(d):
        return calendar.session(d).close_at
    return datetime(d.year, d.month, d.day, tzinfo=UTC)
