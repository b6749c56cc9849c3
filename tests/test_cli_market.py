"""``aicoach levels`` and ``aicoach bars`` on the simulated market and on a files folder holding
the real S&P 500 daily series (``arch.data.sp500``)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import arch.data.sp500
import pandas as pd
import pytest
from typer.testing import CliRunner

from aicoach.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AICOACH_DATA_DIR", str(tmp_path))
    for name in ("MARKET_DATA_PROVIDER", "AICOACH_MARKET_DATA_PROVIDER", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def sp500_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> pd.DataFrame:
    frame = arch.data.sp500.load()
    folder = tmp_path / "market" / "GSPC"
    folder.mkdir(parents=True)
    out = pd.DataFrame(
        {
            "time": pd.DatetimeIndex(frame.index).strftime("%Y-%m-%d"),
            "open": frame["Open"].to_numpy(), "high": frame["High"].to_numpy(),
            "low": frame["Low"].to_numpy(), "close": frame["Close"].to_numpy(),
            "volume": frame["Volume"].to_numpy(),
        }
    )  # fmt: skip
    out.to_csv(folder / "1d.csv", index=False)
    monkeypatch.setenv("AICOACH_MARKET_DATA_PROVIDER", "files")
    monkeypatch.setenv("AICOACH_FILES_DIR", str(tmp_path / "market"))
    return frame


def price_of(out: str, label: str) -> float:
    """The Price column of the row whose Level is ``label`` in ``aicoach levels`` output."""
    row = re.search(re.escape(label) + r"\s+│\s+([\d,]+\.\d\d)", out)
    assert row is not None, f"{label!r} not in:\n{out}"
    return float(row.group(1).replace(",", ""))


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_bars_csv_is_consistent_and_limited() -> None:
    result = runner.invoke(
        app, ["bars", "spy", "--timeframe", "1d", "--start", "2026-01-01", "--end", "2026-03-31",
              "--csv", "--limit", "20"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = read_csv(result.output)
    assert len(rows) == 20
    days = [date.fromisoformat(r["time"]) for r in rows]
    assert days == sorted(days) and days[-1] <= date(2026, 3, 31)
    assert all(d.weekday() < 5 for d in days)  # sessions only
    for r in rows:
        o, h, lo, c = (float(r[k]) for k in ("open", "high", "low", "close"))
        assert lo <= min(o, c) <= max(o, c) <= h
        assert float(r["volume"]) > 0


def test_bars_table_names_the_source() -> None:
    result = runner.invoke(app, ["bars", "QQQ", "--timeframe", "1h", "--limit", "5"])
    assert result.exit_code == 0, result.output
    assert "QQQ 1h bars" in result.output and "Simulated data" in result.output
    assert "5 of " in result.output
    assert len(re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d", result.output)) == 5


def test_levels_table_matches_the_bars_it_comes_from() -> None:
    result = runner.invoke(app, ["levels", "SPY"])
    assert result.exit_code == 0, result.output
    out = result.output
    for text in ("Simulated data", "Nearest support", "Nearest resistance", "ATR (14-day)",
                 "Prior periods", "Pivots", "Swing support / resistance"):  # fmt: skip
        assert text in out, text
    session = date.fromisoformat(re.search(r"Levels for the (\S+) session", out).group(1))  # type: ignore[union-attr]
    # The classic daily pivot P = (H + L + C) / 3 of the last daily bar before that session.
    daily = runner.invoke(app, ["bars", "SPY", "--timeframe", "1d", "--csv", "--limit", "10"])
    prior = [r for r in read_csv(daily.output) if date.fromisoformat(r["time"]) < session][-1]
    pivot = (float(prior["high"]) + float(prior["low"]) + float(prior["close"])) / 3
    assert price_of(out, "Classic daily P") == pytest.approx(pivot, abs=0.006)
    assert price_of(out, "Prior day close") == pytest.approx(float(prior["close"]), abs=0.006)


def test_unknown_symbol_and_bad_dates_fail_readably() -> None:
    unknown = runner.invoke(app, ["levels", "ZZZZ"])
    assert unknown.exit_code == 1 and "ZZZZ" in unknown.output
    bad = runner.invoke(app, ["bars", "SPY", "--start", "yesterday"])
    assert bad.exit_code == 2 and "not a date" in bad.output
    empty = runner.invoke(app, ["bars", "SPY", "--start", "2026-02-01", "--end", "2026-01-01"])
    assert empty.exit_code == 1 and "empty" in empty.output


def test_files_provider_bars_and_historical_levels(sp500_folder: pd.DataFrame) -> None:
    bars = runner.invoke(
        app, ["bars", "GSPC", "--start", "2018-12-20", "--end", "2018-12-31", "--csv"]
    )
    assert bars.exit_code == 0, bars.output
    rows = read_csv(bars.output)
    expected = sp500_folder.loc["2018-12-20":"2018-12-31"]
    assert [r["time"] for r in rows] == [d.strftime("%Y-%m-%d") for d in expected.index]
    for r, (_, want) in zip(rows, expected.iterrows(), strict=True):
        assert float(r["close"]) == pytest.approx(want["Close"], rel=1e-12)

    levels = runner.invoke(app, ["levels", "GSPC"])
    assert levels.exit_code == 0, levels.output
    out = levels.output
    assert "Your data files" in out and "historical data" in out
    # The data ends on 2018-12-31: levels describe the next session, with 12-31 as prior day.
    assert "Levels for the 2019-01-02 session" in out
    last = sp500_folder.iloc[-1]
    assert price_of(out, "Prior day high") == pytest.approx(last["High"], abs=0.006)
    assert price_of(out, "Prior day low") == pytest.approx(last["Low"], abs=0.006)
