"""Webull "Orders Records" CSV (stocks or options) → executions.

Header ``Name,Symbol,Side,Status,Filled,Total Qty,Price,Avg Price,Time-in-Force,Placed Time,
Filled Time``; one row per order::

    Name          the contract's description, or a multi-leg parent (``GLD Vertical``,
                  ``IronCondor``, ``Calendar``, ``Diagonal``, ``Straddle``, ``CoveredStock`` …)
                  whose ``Symbol`` is empty; its legs follow with an empty ``Name``
    Symbol        OCC without padding (``GLD260320P00457000``), the 2022 description
                  (``SPY 09/30/2022 00:00:00 EDT Call $364.00``) or a ticker
    Side          Buy | Sell | Short                                          → sign
    Status        Filled | Partial Filled | Cancelled | Pending | Failed: a row counts for its
                  ``Filled`` quantity (a partly filled order later cancelled did fill that much)
    Filled        contracts/shares filled                                     → quantity
    Avg Price     the fill price per share (``Price`` is the limit, ``@``-prefixed) → price
    Filled Time   ``03/06/2026 10:38:29 EST`` (EST/EDT suffix)                → executed_at (UTC)

No fees in the export; no open/close flag (``Effect.UNKNOWN``). A parent row gives its legs one
order id (placed time + parent row); the parent's net price is not an execution.
"""

from __future__ import annotations

from decimal import Decimal

from aicoach.journal.core.executions import Instrument
from aicoach.journal.importers._build import Collector, make
from aicoach.journal.importers._dates import NEW_YORK, check_zone, parse_datetime
from aicoach.journal.importers._symbols import from_occ, from_webull, stock
from aicoach.journal.importers._text import (
    Columns,
    RowProblem,
    csv_rows,
    first_lines,
    need_number,
    number,
    text_cell,
)
from aicoach.journal.importers.errors import ImportFileError
from aicoach.journal.importers.ports import ParseOptions, ParseResult

HEADER = ("Name", "Symbol", "Side", "Status", "Filled", "Avg Price", "Filled Time")
_SIDES = {"BUY": 1, "SELL": -1, "SHORT": -1, "SELL SHORT": -1}


class WebullImporter:
    name = "webull"
    label = "Webull orders records CSV"

    def sniff(self, head: str) -> float:
        cols = Columns(first_lines(head, 1)[0].replace('"', "").split(","))
        if cols.has(*HEADER, "Total Qty", "Placed Time"):
            return 0.98
        return 0.6 if cols.has(*HEADER) else 0.0

    def parse(self, text: str, *, options: ParseOptions | None = None) -> ParseResult:
        tz = check_zone(options.time_zone if options else None, NEW_YORK)
        out = Collector(self.name, f"{tz} (EST/EDT suffixes in the file)")
        rows = csv_rows(text)
        first = next(rows, None)
        cols = Columns(first[1] if first else [])
        if missing := cols.missing(*HEADER):
            raise ImportFileError(
                f"This Webull file is missing the column(s): {', '.join(missing)}."
            )
        parent: str | None = None
        for line, cells, raw in rows:
            name, symbol = cols.get(cells, "Name"), cols.get(cells, "Symbol")
            if name and not symbol:
                parent = f"{cols.get(cells, 'Placed Time')}#{line}"
                out.skip(line, f"{name}: the order's net price (its legs follow)")
                continue
            if name:
                parent = None
            order_id = parent or f"{cols.get(cells, 'Placed Time')}#{line}"
            out.guard(line, raw, self._row, out, cols, line, cells, raw, tz, order_id)
        return out.finish(link_deliveries=False)

    def _row(
        self,
        out: Collector,
        cols: Columns,
        line: int,
        cells: list[str],
        raw: str,
        tz: str,
        order_id: str,
    ) -> None:
        status = cols.get(cells, "Status")
        filled = number(cols.get(cells, "Filled"), "filled quantity") or Decimal(0)
        if filled == 0:
            out.skip(line, f"{status.lower() or 'unfilled'} order: nothing filled")
            return
        side = cols.get(cells, "Side").upper()
        sign = _SIDES.get(side)
        if sign is None:
            raise RowProblem(f"the side '{cols.get(cells, 'Side')}' is neither Buy nor Sell")
        price = need_number(cols.get(cells, "Avg Price"), "average price")
        out.add(
            make(
                at=parse_datetime(cols.get(cells, "Filled Time"), tz, "filled time"),
                instrument=_instrument(cols.get(cells, "Symbol"), cols.get(cells, "Name")),
                quantity=sign * abs(filled),
                price=abs(price),
                order_id=order_id,
                row=line,
                raw=raw,
            )
        )


def _instrument(symbol: str, name: str) -> Instrument:
    text = text_cell(symbol, "symbol")
    found = from_occ(text) or from_webull(text) or (from_webull(name) if name else None)
    if found is not None:
        return found
    if " " in text and ("Call" in text or "Put" in text):
        raise RowProblem(f"the option '{text}' is not one I can read")
    return stock(text)
