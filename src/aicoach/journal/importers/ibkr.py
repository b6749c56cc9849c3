"""Interactive Brokers Activity Statement CSV (the ``Trades`` section) → executions.

Every line is ``Section,Kind,…``: ``Kind`` is ``Header`` (the column names of the rows that
follow — a new ``Header`` may come mid-file with other columns), ``Data``, ``SubTotal`` or
``Total``. In ``Trades``::

    DataDiscriminator  Order (the order, aggregated) | Trade (one execution) | ClosedLot (the FIFO
                       lot being closed: skipped). We import ``Trade`` rows when the file has any,
                       else ``Order`` rows — never both (they describe the same fills).
    Asset Category     Stocks | Equity and Index Options (others skipped)
    Symbol             ticker, or ``ARKK 19SEP25 80 C`` (UNDERLYING DDMONYY STRIKE C|P)
    Date/Time          ``"2025-08-06, 15:32:56"`` US/Eastern                → executed_at (UTC)
    Quantity           signed contracts/shares                                → quantity
    T. Price           per share                                              → price
    Comm/Fee           negative = paid                                        → commission
    Multiplier         when the statement has the column (else 100 for options)
    Code               ``O`` open, ``C`` close, ``A`` assignment, ``Ex`` exercise, ``Ep`` expired,
                       ``P`` partial (``;``-separated)                        → effect, kind

``Account Information,Data,Account,U1234567`` names the account.
"""

from __future__ import annotations

from decimal import Decimal

from aicoach.journal.core.executions import Effect, ExecutionKind
from aicoach.journal.importers._build import Collector, make
from aicoach.journal.importers._dates import NEW_YORK, check_zone, parse_datetime
from aicoach.journal.importers._symbols import from_ibkr, stock
from aicoach.journal.importers._text import (
    Columns,
    RowProblem,
    cost,
    csv_rows,
    need_number,
    number,
    split_costs,
    text_cell,
)
from aicoach.journal.importers.ports import ParseOptions, ParseResult

_OPTIONS = ("Equity and Index Options", "Options")
_STOCKS = ("Stocks",)
_KINDS = {
    "A": ExecutionKind.ASSIGNMENT,
    "EX": ExecutionKind.EXERCISE,
    "EP": ExecutionKind.EXPIRATION,
}


def codes(text: str) -> tuple[Effect, ExecutionKind]:
    parts = {c.strip().upper() for c in text.split(";") if c.strip()}
    effect = Effect.OPEN if "O" in parts else Effect.CLOSE if "C" in parts else Effect.UNKNOWN
    kind = next((k for code, k in _KINDS.items() if code in parts), ExecutionKind.TRADE)
    return effect, kind


class IbkrActivityImporter:
    name = "ibkr"
    label = "Interactive Brokers Activity Statement CSV"

    def sniff(self, head: str) -> float:
        for line in head.split("\n")[:200]:
            if line.startswith("Trades,Header,"):
                return 0.95
            if line.startswith(("Statement,Header,", "Statement,Data,BrokerName,Interactive")):
                return 0.9
        return 0.0

    def parse(self, text: str, *, options: ParseOptions | None = None) -> ParseResult:
        tz = check_zone(options.time_zone if options else None, NEW_YORK)
        out = Collector(self.name, tz)
        rows: list[tuple[int, list[str], str, Columns]] = []
        headers: dict[str, Columns] = {}
        seen_sections: set[str] = set()
        has_trade_rows = False
        for line, cells, raw in csv_rows(text):
            if len(cells) < 2:
                out.skip(line, "not a statement line")
                continue
            section, kind = cells[0], cells[1]
            if kind == "Header":
                headers[section] = Columns(cells)
                if section != "Trades" and section not in seen_sections:
                    seen_sections.add(section)
                    out.skip(line, f"section '{section}': not trades")
                continue
            if section == "Account Information" and cells[2:3] == ["Account"]:
                out.result.account = cells[3] if len(cells) > 3 else None
                continue
            if section != "Trades":
                continue
            if kind != "Data":
                out.skip(line, f"{kind} line: a total, not a trade")
                continue
            cols = headers.get(section)
            if cols is None:
                out.error(line, raw, "a trade line before any Trades header line")
                continue
            rows.append((line, cells, raw, cols))
            has_trade_rows |= cols.get(cells, "DataDiscriminator") == "Trade"
        wanted = "Trade" if has_trade_rows else "Order"
        for line, cells, raw, cols in rows:
            discriminator = cols.get(cells, "DataDiscriminator")
            if discriminator and discriminator != wanted:
                why = (
                    "the lot being closed, not a fill"
                    if discriminator == "ClosedLot"
                    else "the order's summary; its fills are imported"
                    if discriminator == "Order"
                    else f"a {discriminator} line"
                )
                out.skip(line, why)
                continue
            out.guard(line, raw, self._row, out, cols, line, cells, raw, tz)
        return out.finish(link_deliveries=False)

    def _row(
        self, out: Collector, cols: Columns, line: int, cells: list[str], raw: str, tz: str
    ) -> None:
        category = cols.get(cells, "Asset Category")
        symbol = text_cell(cols.get(cells, "Symbol"), "symbol")
        multiplier = int(number(cols.get(cells, "Multiplier"), "multiplier") or 100)
        if category in _OPTIONS:
            instrument = from_ibkr(symbol, multiplier)
            if instrument is None:
                raise RowProblem(f"the option symbol '{symbol}' is not one I can read")
        elif category in _STOCKS:
            instrument = stock(symbol)
        else:
            out.skip(line, f"{category or 'unknown asset'} ({symbol}): not a stock or option")
            return
        currency = cols.get(cells, "Currency")
        if currency and currency != "USD":
            out.skip(line, f"{symbol} traded in {currency}: only USD is imported")
            return
        effect, kind = codes(cols.get(cells, "Code"))
        commission, fees = split_costs(-cost(cols.get(cells, "Comm/Fee"), "commission"), Decimal(0))
        price = need_number(cols.get(cells, "T. Price"), "trade price")
        out.add(
            make(
                at=parse_datetime(cols.get(cells, "Date/Time"), tz, "date/time"),
                instrument=instrument,
                quantity=need_number(cols.get(cells, "Quantity"), "quantity"),
                price=abs(price),
                commission=commission,
                fees=fees,
                effect=effect,
                kind=kind,
                row=line,
                raw=raw,
            )
        )
