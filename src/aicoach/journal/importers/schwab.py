"""Charles Schwab "Transactions" CSV (schwab.com → History → Export) → executions.

Layout: an optional title line (``"Transactions  for account Trading XXXX-YYYY as of … ET"``),
the header, rows that each end with a trailing comma, and a ``"Transactions Total"`` row::

    Date          ``12/12/2018`` or ``12/03/2018 as of 11/30/2018`` (the "as of" date is the trade
                  date). No time of day: 16:00 New York, ``time_known=False``.
    Action        Buy | Sell | Sell Short | Buy to Cover | Buy/Sell to Open/Close | Reinvest Shares
                  | Expired | Assigned | Exchange or Exercise; anything else is cash (skipped)
    Symbol        ticker, or ``MAR 12/28/2018 112.00 C`` (ROOT MM/DD/YYYY STRIKE C|P); a CUSIP
                  (bonds, T-bills) is skipped
    Quantity      unsigned (the sign comes from Action; ``-1`` on exercises)
    Price         ``$1.90`` per share                                       → price
    Fees & Comm   ``$5.60`` paid                                            → commission
    Amount        ``-$75.60`` net cash (not needed: price, quantity and fees say it all)

Expired options close at 0, signed against the running position; an assignment closes a short,
an exercise a long; the stock row of the same day at the strike is the delivery.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import partial

from aicoach.journal.core.executions import Effect, ExecutionKind
from aicoach.journal.importers._build import Collector, make
from aicoach.journal.importers._dates import close_of, parse_date
from aicoach.journal.importers._symbols import from_schwab, is_cusip, stock
from aicoach.journal.importers._text import (
    Columns,
    RowProblem,
    cost,
    csv_rows,
    first_lines,
    need_number,
    number,
    text_cell,
)
from aicoach.journal.importers.errors import ImportFileError
from aicoach.journal.importers.ports import ParseOptions, ParseResult

HEADER = ("Date", "Action", "Symbol", "Description", "Quantity", "Price", "Fees & Comm", "Amount")
_TITLE = re.compile(r"Transactions\s+for account\s+(.+?)\s+as of", re.IGNORECASE)
#: Action → (sign, effect).
_TRADES = {
    "buy": (1, Effect.UNKNOWN),
    "sell": (-1, Effect.UNKNOWN),
    "sell short": (-1, Effect.OPEN),
    "buy to cover": (1, Effect.CLOSE),
    "buy to open": (1, Effect.OPEN),
    "sell to open": (-1, Effect.OPEN),
    "buy to close": (1, Effect.CLOSE),
    "sell to close": (-1, Effect.CLOSE),
    "reinvest shares": (1, Effect.OPEN),
}
_REMOVALS = {
    "expired": ExecutionKind.EXPIRATION,
    "assigned": ExecutionKind.ASSIGNMENT,
    "exchange or exercise": ExecutionKind.EXERCISE,
    "exercised": ExecutionKind.EXERCISE,
}


class SchwabImporter:
    name = "schwab"
    label = "Schwab transactions CSV"

    def sniff(self, head: str) -> float:
        lines = [line.replace('"', "") for line in first_lines(head, 3)]
        if lines and _TITLE.search(lines[0]):
            return 0.95
        for line in lines[:2]:
            cols = Columns(line.split(","))
            if cols.has(*HEADER):
                return 0.9
        return 0.0

    def parse(self, text: str, *, options: ParseOptions | None = None) -> ParseResult:
        out = Collector(self.name, "America/New_York (dates only: 16:00)")
        cols: Columns | None = None
        for line, cells, raw in csv_rows(text):
            if cols is None:
                if m := _TITLE.search(cells[0]):
                    out.result.account = m[1]
                    continue
                cols = Columns(cells)
                if missing := cols.missing(*HEADER[:6]):
                    raise ImportFileError(
                        f"This Schwab file is missing the column(s): {', '.join(missing)}."
                    )
                continue
            out.guard(line, raw, self._row, out, cols, line, cells, raw)
        return out.finish()

    def _row(self, out: Collector, cols: Columns, line: int, cells: list[str], raw: str) -> None:
        date_cell = cols.get(cells, "Date")
        if date_cell.lower().startswith("transactions total") or not date_cell:
            out.skip(line, "the totals line")
            return
        action = cols.get(cells, "Action").lower()
        removal = _REMOVALS.get(action)
        trade = _TRADES.get(action)
        if removal is None and trade is None:
            out.skip(line, f"{cols.get(cells, 'Action') or 'unnamed'}: not a trade")
            return
        symbol = text_cell(cols.get(cells, "Symbol"), "symbol")
        instrument = from_schwab(symbol)
        if instrument is None:
            if is_cusip(symbol):
                out.skip(line, f"{symbol} is a CUSIP (a bond or T-bill): not a stock or option")
                return
            if removal is not None:
                raise RowProblem(f"the option symbol '{symbol}' is not one I can read")
            instrument = stock(symbol)
        _, _, as_of = date_cell.partition(" as of ")
        at = close_of(parse_date(as_of or date_cell))
        qty = need_number(cols.get(cells, "Quantity"), "quantity")
        common = partial(
            make,
            at=at,
            instrument=instrument,
            row=line,
            raw=raw,
            time_known=False,
            commission=cost(cols.get(cells, "Fees & Comm"), "fees & comm"),
        )
        if removal is not None:
            q = abs(qty)
            zero = Decimal(0)
            if removal is ExecutionKind.ASSIGNMENT:
                out.add(common(quantity=q, price=zero, effect=Effect.CLOSE, kind=removal))
            elif removal is ExecutionKind.EXERCISE:
                out.add(common(quantity=-q, price=zero, effect=Effect.CLOSE, kind=removal))
            else:
                e = common(quantity=q, price=zero, effect=Effect.CLOSE, kind=removal)
                out.add_unsigned(e, hint=1 if qty < 0 else 0)
            return
        assert trade is not None
        sign, effect = trade
        price = number(cols.get(cells, "Price"), "price")
        if price is None:
            raise RowProblem("the price is missing")
        out.add(common(quantity=sign * abs(qty), price=abs(price), effect=effect))
