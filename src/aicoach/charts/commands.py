"""``aicoach levels SYMBOL`` and ``aicoach bars SYMBOL``: the chart's data in a terminal.

Both build the configured market-data service (``build_market_data(settings)``: simulated by
default, Massive or files when configured) and print rich tables; ``bars --csv`` prints CSV for
scripts. Errors (unknown symbol, provider down, bad range) print their message and exit 1.
"""

from __future__ import annotations

import csv
import sys
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from aicoach.kit.clock import NEW_YORK
from aicoach.levels.core.models import GROUPS, Level
from aicoach.levels.service import LevelsReport, LevelsService
from aicoach.marketdata.models import BarSeries, Timeframe
from aicoach.plugin import CommandKit

SOURCE_LABELS = {
    "simulated": "Simulated data (not a real market)",
    "delayed": "Delayed data",
    "real-time": "Real-time data",
    "files": "Your data files",
}
GROUP_TITLES = {
    "prior_periods": "Prior periods", "premarket": "Pre-market", "opening_range": "Opening range",
    "pivots": "Pivots", "vwap": "VWAP", "atr": "ATR bands", "moving_averages": "Moving averages",
    "swing": "Swing support / resistance", "confluence": "Confluence",
}  # fmt: skip
#: Default look-back of ``bars`` without ``--start``, per timeframe (calendar days).
DEFAULT_DAYS = {
    Timeframe.M1: 2, Timeframe.M5: 7, Timeframe.M15: 20, Timeframe.M30: 40, Timeframe.H1: 90,
    Timeframe.D1: 400, Timeframe.W1: 5 * 366, Timeframe.MO1: 20 * 366,
}  # fmt: skip


def _money(x: float | None) -> str:
    return "—" if x is None else f"{x:,.2f}"


def _signed(x: float | None, suffix: str = "", digits: int = 2) -> str:
    return "—" if x is None else f"{x:+,.{digits}f}{suffix}"


def _level_text(level: Level | None) -> str:
    if level is None:
        return "—"
    return f"{level.price:,.2f}  {level.label}  ({_signed(level.distance_percent, '%')})"


def levels_table(report: LevelsReport) -> list[Any]:
    """Renderables for ``aicoach levels``: a header, one table of every group, the summary."""
    kl = report.levels
    source = SOURCE_LABELS.get(report.source, report.source)
    head = Text.assemble(
        (kl.symbol, "bold"), f"  {kl.price:,.2f}   ",
        (f"[{source}]", "yellow" if report.source == "simulated" else "cyan"),
        ("  STALE" if report.stale else "", "bold red"),
        f"\nLevels for the {report.session.date.isoformat()} session · market {report.phase.value}"
        f" · as of {report.as_of.astimezone(NEW_YORK):%Y-%m-%d %H:%M} ET"
        + (" · historical data" if report.historical else ""),
    )  # fmt: skip
    table = Table(show_lines=False, header_style="bold", pad_edge=False)
    table.add_column("Group", no_wrap=True)
    table.add_column("Level")
    table.add_column("Price", justify="right")
    table.add_column("Dist $", justify="right")
    table.add_column("Dist %", justify="right")
    table.add_column("× ATR", justify="right")
    table.add_column("Strength", justify="right")
    for group in GROUPS:
        rows = sorted(kl.groups.get(group, []), key=lambda lv: -lv.price)
        for i, lv in enumerate(rows):
            style = "green" if lv.price < kl.price else "red"
            table.add_row(
                GROUP_TITLES[group] if i == 0 else "", lv.label, Text(_money(lv.price), style),
                _signed(lv.distance_dollars), _signed(lv.distance_percent, "%"),
                _signed(lv.distance_atr), f"{lv.strength:.0f}",
                end_section=i == len(rows) - 1,
            )  # fmt: skip
    atr = kl.atr_daily
    summary = Text.assemble(
        ("Nearest resistance: ", "bold"), _level_text(kl.nearest_resistance), "\n",
        ("Nearest support:    ", "bold"), _level_text(kl.nearest_support), "\n",
        ("ATR (14-day):       ", "bold"),
        "—" if atr is None else f"{atr:,.2f} ({100 * atr / kl.price:.2f}% of price)",
    )  # fmt: skip
    if kl.vwap is not None:
        summary.append(f"\nVWAP: {kl.vwap.vwap:,.2f} (σ {kl.vwap.sigma:,.2f})")
    return [head, table, summary]


def _parse_when(value: str | None, *, end: bool, intraday: bool) -> datetime | None:
    """``YYYY-MM-DD`` (an end date is inclusive) or ISO 8601 (New York time without an offset).

    A date bounds intraday bars at New York midnight; daily and coarser bars are stamped with
    their session date at 00:00 UTC, so for them a date means UTC midnight.
    """
    if value is None:
        return None
    try:
        if len(value) == 10:
            d = date.fromisoformat(value)
            at = datetime.combine(
                d + timedelta(days=1) if end else d, time(), NEW_YORK if intraday else UTC
            )
            return at.astimezone(UTC)
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD) or ISO time") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=NEW_YORK)


def _bar_times(series: BarSeries) -> list[str]:
    if series.timeframe.is_intraday:
        secs = series.time.astype("datetime64[s]").astype(np.int64).tolist()
        return [f"{datetime.fromtimestamp(s, NEW_YORK):%Y-%m-%d %H:%M}" for s in secs]
    return [str(d) for d in series.time.astype("datetime64[D]").tolist()]


def bars_rows(series: BarSeries) -> list[tuple[str, float, float, float, float, float]]:
    """(time text, open, high, low, close, volume) per bar."""
    columns = (
        series.open.tolist(), series.high.tolist(), series.low.tolist(), series.close.tolist(),
        series.volume.tolist(),
    )  # fmt: skip
    return list(zip(_bar_times(series), *columns, strict=True))


def register(app: typer.Typer, kit: CommandKit) -> None:
    """Add ``levels`` and ``bars`` to the ``aicoach`` command."""

    @app.command("levels")
    def levels(symbol: Annotated[str, typer.Argument(help="Ticker, e.g. SPY.")]) -> None:
        """Key levels for SYMBOL by group, with distances, nearest support/resistance and ATR."""
        report = kit.run_with_market(
            lambda m: LevelsService(m).key_levels(symbol), kit.load_settings()
        )
        console = Console(width=max(120, Console().width))
        for part in levels_table(report):
            console.print(part)

    @app.command("bars")
    def bars(
        symbol: Annotated[str, typer.Argument(help="Ticker, e.g. SPY.")],
        timeframe: Annotated[Timeframe, typer.Option(help="Bar size.")] = Timeframe.D1,
        start: Annotated[
            str | None, typer.Option(help="First date YYYY-MM-DD (New York) or ISO time.")
        ] = None,
        end: Annotated[
            str | None, typer.Option(help="Last date YYYY-MM-DD (inclusive) or ISO time.")
        ] = None,
        limit: Annotated[int, typer.Option(min=1, help="Show at most the last N bars.")] = 50,
        as_csv: Annotated[
            bool, typer.Option("--csv", help="Print CSV instead of a table.")
        ] = False,
    ) -> None:
        """OHLCV bars for SYMBOL: the last --limit bars from --start to --end (New York times)."""
        intraday = timeframe.is_intraday
        stop = _parse_when(end, end=True, intraday=intraday) or datetime.now(UTC) + timedelta(
            minutes=1
        )
        first = _parse_when(start, end=False, intraday=intraday) or stop - timedelta(
            days=DEFAULT_DAYS[timeframe]
        )
        fetched = kit.run_with_market(
            lambda m: m.bars(symbol, timeframe, first, stop), kit.load_settings()
        )
        series = fetched.value
        rows = bars_rows(series)[-limit:]
        if as_csv:
            writer = csv.writer(sys.stdout, lineterminator="\n")
            writer.writerow(["time", "open", "high", "low", "close", "volume"])
            writer.writerows(rows)
            return
        source = SOURCE_LABELS.get(series.source.value, series.source.value)
        title = f"{series.symbol} {timeframe.value} bars · {source}"
        table = Table(title=title + ("  STALE" if fetched.stale else ""), header_style="bold")
        table.add_column("Time (ET)" if timeframe.is_intraday else "Date")
        for name in ("Open", "High", "Low", "Close", "Volume"):
            table.add_column(name, justify="right")
        for t, o, h, lo, c, v in rows:
            table.add_row(t, f"{o:,.2f}", f"{h:,.2f}", f"{lo:,.2f}", f"{c:,.2f}", f"{v:,.0f}")
        console = Console(width=max(80, Console().width))
        console.print(table)
        console.print(f"{len(rows)} of {len(series)} bars", style="dim")
