"""FilesMarketData: the real S&P 500 daily series round-trips through CSV and Parquet; intraday
time rules; clear errors for bad files."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

import arch.data.sp500
import numpy as np
import pandas as pd
import pytest

from aicoach.marketdata.errors import (
    BadDataFileError,
    OptionsNotAvailableError,
    SymbolNotFoundError,
    TimeframeNotSupportedError,
)
from aicoach.marketdata.models import DataSource, Timeframe
from aicoach.marketdata.ports import MarketDataProvider
from aicoach.marketdata.providers.files import FilesMarketData

ALL = (datetime(1990, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC))


@pytest.fixture(scope="module")
def sp500() -> pd.DataFrame:
    return arch.data.sp500.load()


def write(root: Path, symbol: str, name: str, text: str) -> Path:
    folder = root / symbol
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
async def test_sp500_daily_round_trip(tmp_path: Path, sp500: pd.DataFrame, fmt: str) -> None:
    index = pd.DatetimeIndex(sp500.index)
    frame = pd.DataFrame(
        {
            "Time": index.strftime("%Y-%m-%d") if fmt == "csv" else index,
            "Open": sp500["Open"].to_numpy(), "High": sp500["High"].to_numpy(),
            "Low": sp500["Low"].to_numpy(), "Close": sp500["Close"].to_numpy(),
            "Volume": sp500["Volume"].to_numpy(), "Adj Close": sp500["Adj Close"].to_numpy(),
        }
    )  # fmt: skip
    (tmp_path / "SPX").mkdir()
    path = tmp_path / "SPX" / f"1d.{fmt}"
    if fmt == "csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    provider = FilesMarketData(tmp_path)
    assert isinstance(provider, MarketDataProvider)
    bars = await provider.get_bars("spx", Timeframe.D1, *ALL)
    assert len(bars) == len(sp500) == 5031
    assert bars.symbol == "SPX"
    assert bars.source is DataSource.FILES
    np.testing.assert_array_equal(
        bars.time, sp500.index.to_numpy().astype("datetime64[D]").astype("datetime64[ns]")
    )
    for ours, theirs in (("open", "Open"), ("high", "High"), ("low", "Low"), ("close", "Close")):
        np.testing.assert_array_equal(getattr(bars, ours), sp500[theirs].to_numpy())
    np.testing.assert_array_equal(bars.volume, sp500["Volume"].to_numpy(dtype=float))
    # Range slicing: [start, end) on bar open times.
    part = await provider.get_bars(
        "SPX", Timeframe.D1, datetime(2008, 9, 15, tzinfo=UTC), datetime(2008, 9, 20, tzinfo=UTC)
    )
    np.testing.assert_array_equal(
        part.time.astype("datetime64[D]"),
        np.array(["2008-09-15", "2008-09-16", "2008-09-17", "2008-09-18", "2008-09-19"],
                 dtype="datetime64[D]"),
    )  # fmt: skip
    quote = await provider.get_quote("SPX")
    assert quote.last == sp500["Close"].iloc[-1]
    assert quote.prev_close == sp500["Close"].iloc[-2]
    assert quote.day_open == sp500["Open"].iloc[-1]
    last_day = sp500.index[-1].date()
    assert quote.as_of == datetime.combine(last_day, datetime.min.time(), UTC).replace(hour=21)


async def test_intraday_offsets_and_new_york_wall_clock(tmp_path: Path) -> None:
    write(tmp_path, "AAA", "1m.csv", "time,open,high,low,close,volume\n"
          "2026-03-06T09:30:00-05:00,10,11,9,10.5,100\n"
          "2026-03-09T13:31:00Z,12,13,11,12.5,200\n")  # fmt: skip
    write(tmp_path, "BBB", "1m.csv", "time,open,high,low,close\n"
          "2026-03-09 09:30,10,11,9,10.5\n"
          "2026-03-06 09:30:00,9,9,9,9\n")  # fmt: skip
    p = FilesMarketData(tmp_path)
    a = await p.get_bars("AAA", Timeframe.M1, *ALL)
    np.testing.assert_array_equal(
        a.time, np.array(["2026-03-06T14:30", "2026-03-09T13:31"], dtype="datetime64[ns]")
    )
    b = await p.get_bars("BBB", Timeframe.M1, *ALL)
    # Naive times are New York: 09:30 EST = 14:30 UTC, 09:30 EDT = 13:30 UTC; rows get sorted.
    np.testing.assert_array_equal(
        b.time, np.array(["2026-03-06T14:30", "2026-03-09T13:30"], dtype="datetime64[ns]")
    )
    np.testing.assert_array_equal(b.volume, [0.0, 0.0])  # no volume column
    q = await p.get_quote("AAA")
    assert q.last == 12.5
    assert q.prev_close == 10.5
    assert q.day_volume == 200.0
    assert q.as_of == datetime(2026, 3, 9, 13, 32, tzinfo=UTC)


async def test_bad_files_name_the_file_and_column(tmp_path: Path) -> None:
    p = FilesMarketData(tmp_path)
    path = write(tmp_path, "X", "1d.csv", "time,open,high,low\n2026-03-09,1,2,0\n")
    with pytest.raises(BadDataFileError) as err:
        await p.get_bars("X", Timeframe.D1, *ALL)
    assert str(path) in err.value.message
    assert "'close'" in err.value.message
    assert err.value.status_code == 422

    write(
        tmp_path,
        "X",
        "1d.csv",
        "time,open,high,low,close\n2026-03-09,1,2,0,1\n2026-03-10,1,x,0,1\n",
    )
    with pytest.raises(BadDataFileError, match=r"column 'high'.*'x' on data row 2"):
        await p.get_bars("X", Timeframe.D1, *ALL)

    write(tmp_path, "Y", "5m.csv", "time,open,high,low,close\n2026-03-09,1,2,0,1\n")
    with pytest.raises(BadDataFileError, match="holds dates"):
        await p.get_bars("Y", Timeframe.M5, *ALL)

    write(tmp_path, "Z", "1m.csv", "time,open,high,low,close\n2026-11-01 01:30,1,2,0,1\n")
    with pytest.raises(BadDataFileError, match="ambiguous"):
        await p.get_bars("Z", Timeframe.M1, *ALL)

    write(tmp_path, "W", "1m.csv", "time,open,high,low,close\n"
          "2026-03-09T09:30:00-04:00,1,2,0,1\n2026-03-09 09:31,1,2,0,1\n")  # fmt: skip
    with pytest.raises(BadDataFileError, match="mixes"):
        await p.get_bars("W", Timeframe.M1, *ALL)

    write(
        tmp_path,
        "D",
        "1d.csv",
        "time,open,high,low,close\n2026-03-09,1,2,0,1\n2026-03-09,1,2,0,1\n",
    )
    with pytest.raises(BadDataFileError, match="two bars share"):
        await p.get_bars("D", Timeframe.D1, *ALL)

    write(tmp_path, "N", "1d.csv", "time,open,high,low,close\nnot-a-date,1,2,0,1\n")
    with pytest.raises(BadDataFileError, match="unreadable"):
        await p.get_bars("N", Timeframe.D1, *ALL)


async def test_missing_symbol_timeframe_and_options(tmp_path: Path) -> None:
    write(tmp_path, "SPY", "1d.csv", "time,open,high,low,close\n2026-03-09,1,2,0,1\n")
    write(
        tmp_path, "SPY", "5m.csv", "time,open,high,low,close\n2026-03-09T09:30:00-04:00,1,2,0,1\n"
    )
    p = FilesMarketData(tmp_path)
    with pytest.raises(SymbolNotFoundError):
        await p.get_bars("QQQ", Timeframe.D1, *ALL)
    with pytest.raises(TimeframeNotSupportedError) as err:
        await p.get_bars("SPY", Timeframe.H1, *ALL)
    assert err.value.available == ("5m", "1d")
    assert p.available_timeframes("spy") == [Timeframe.M5, Timeframe.D1]
    with pytest.raises(OptionsNotAvailableError) as opt:
        await p.get_expirations("SPY")
    assert opt.value.status_code == 404
    assert "no options" in opt.value.message
    with pytest.raises(OptionsNotAvailableError):
        await p.get_chain("SPY", date(2026, 3, 20))
    with pytest.raises(SymbolNotFoundError):
        await p.get_expirations("QQQ")
    assert [t async for t in p.stream(["SPY"])] == []
    # The quote comes from the finest timeframe on disk (5m here).
    assert (await p.get_quote("SPY")).as_of == datetime(2026, 3, 9, 13, 35, tzinfo=UTC)


async def test_search_symbol_and_reload_on_change(tmp_path: Path) -> None:
    for sym in ("SPY", "XSP", "QQQ"):
        write(tmp_path, sym, "1d.csv", "time,open,high,low,close\n2026-03-09,1,2,0,1\n")
    p = FilesMarketData(tmp_path)
    assert [s.symbol for s in await p.search_symbols("sp")] == ["SPY", "XSP"]
    assert [s.symbol for s in await p.search_symbols("sp", limit=1)] == ["SPY"]
    assert (await p.get_symbol("qqq")).symbol == "QQQ"
    assert FilesMarketData(tmp_path / "missing")._symbol_dirs() == {}
    path = write(tmp_path, "SPY", "1d.csv", "time,open,high,low,close\n2026-03-09,1,2,0,1\n"
                 "2026-03-10,1,2,0,3\n")  # fmt: skip
    os.utime(path, ns=(1, 2_000_000_000_000_000_000))  # a different mtime, surely
    assert (await p.get_quote("SPY")).last == 3.0
