"""Robinhood account activity CSV (Account → Reports → Account activity) → executions.

Header ``Activity Date,Process Date,Settle Date,Instrument,Description,Trans Code,Quantity,Price,
Amount``; quoted with multi-line cells in the raw export, unquoted with 2-digit years and
trailing spaces once Excel re-saved it; a disclaimer row at the end (skipped)::

    Activity Date   ``7/31/2023`` / ``11/28/23``: dates only → 16:00 New York, ``time_known=False``
    Instrument      the underlying (or the stock)
    Description     options: ``SOFI 8/4/2023 Call $12.00`` (``Option Expiration for …``);
                    stock: the name, a newline, ``CUSIP: …`` (+ ``4 NIO Options Assigned``)
    Trans Code      BTO STC STO BTC (options), Buy Sell (stock), OEXP OASGN OEXCS (expired,
                    assigned, exercised), anything else is cash (CDIV INT SLIP ACH …: skipped)
    Quantity        unsigned; ``3S`` on an expiration marks a long closed by a sale
    Price           ``$0.26`` per share                                        → price
    Amount          ``$51.98`` / ``($1,410.00)``: net of fees → fees = gross − |net| (never < 0;
                    when the net is better than the shown price allows, the price is the net's)

No order ids; identical fills are identical rows, kept as distinct executions.
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial

from aicoach.journal.core.executions import Effect, ExecutionKind, Instrument
from aicoach.journal.importers._build import Collector, make
from aicoach.journal.importers._dates import close_of, parse_date
from aicoach.journal.importers._symbols import from_robinhood, stock
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

HEADER = ("Activity Date", "Instrument", "Description", "Trans Code", "Quantity", "Price", "Amount")
_CENT = Decimal("0.01")
_PRICE_PLACES = Decimal("0.000001")
#: Trans Code → (sign, effect, is option).
_TRADES = {
    "BTO": (1, Effect.OPEN, True),
    "STO": (-1, Effect.OPEN, True),
    "BTC": (1, Effect.CLOSE, True),
    "STC": (-1, Effect.CLOSE, True),
    "BUY": (1, Effect.UNKNOWN, False),
    "SELL": (-1, Effect.UNKNOWN, False),
}
_REMOVALS = {
    "OEXP": ExecutionKind.EXPIRATION,
    "OASGN": ExecutionKind.ASSIGNMENT,
    "OEXCS": ExecutionKind.EXERCISE,
}


class RobinhoodImporter:
    name = "robinhood"
    label = "Robinhood account activity CSV"

    def sniff(self, head: str) -> float:
        cols = Columns(first_lines(head, 1)[0].replace('"', "").split(","))
        if cols.has(*HEADER, "Process Date", "Settle Date"):
            return 0.98
        return 0.6 if cols.has(*HEADER) else 0.0

    def parse(self, text: str, *, options: ParseOptions | None = None) -> ParseResult:
        out = Collector(self.name, "America/New_York (dates only: 16:00)")
        rows = csv_rows(text)
        first = next(rows, None)
        cols = Columns(first[1] if first else [])
        if missing := cols.missing(*HEADER):
            raise ImportFileError(
                f"This Robinhood file is missing the column(s): {', '.join(missing)}."
            )
        for line, cells, raw in rows:
            out.guard(line, raw, self._row, out, cols, line, cells, raw)
        return out.finish()

    def _row(self, out: Collector, cols: Columns, line: int, cells: list[str], raw: str) -> None:
        code = cols.get(cells, "Trans Code").upper()
        if not cols.get(cells, "Activity Date"):
            out.skip(line, "the disclaimer at the end of the file")
            return
        trade = _TRADES.get(code)
        removal = _REMOVALS.get(code)
        if trade is None and removal is None:
            what = cols.get(cells, "Description").split("\n")[0]
            out.skip(line, f"{code or 'no code'} ({what}): not a trade")
            return
        at = close_of(parse_date(cols.get(cells, "Activity Date"), "activity date"))
        description = text_cell(cols.get(cells, "Description"), "description")
        qty_text = cols.get(cells, "Quantity").strip()
        sold_hint = qty_text.upper().endswith("S")
        qty = abs(need_number(qty_text.rstrip("Ss"), "quantity"))
        common = partial(make, at=at, row=line, raw=raw, time_known=False)
        if removal is not None:
            instrument = self._option(description)
            zero = Decimal(0)
            if removal is ExecutionKind.ASSIGNMENT:
                out.add(
                    common(
                        instrument=instrument,
                        quantity=qty,
                        price=zero,
                        effect=Effect.CLOSE,
                        kind=removal,
                    )
                )
            elif removal is ExecutionKind.EXERCISE:
                out.add(
                    common(
                        instrument=instrument,
                        quantity=-qty,
                        price=zero,
                        effect=Effect.CLOSE,
                        kind=removal,
                    )
                )
            else:
                e = common(
                    instrument=instrument,
                    quantity=qty,
                    price=zero,
                    effect=Effect.CLOSE,
                    kind=removal,
                )
                out.add_unsigned(e, hint=-1 if sold_hint else 1)
            return
        assert trade is not None
        sign, effect, is_option = trade
        if is_option:
            instrument = self._option(description)
        else:
            instrument = stock(text_cell(cols.get(cells, "Instrument"), "instrument"))
        lowered = description.lower()
        kind = (
            ExecutionKind.ASSIGNMENT
            if "assigned" in lowered
            else ExecutionKind.EXERCISE
            if "exercised" in lowered
            else ExecutionKind.TRADE
        )
        price = number(cols.get(cells, "Price"), "price")
        amount = number(cols.get(cells, "Amount"), "amount")
        if price is None:
            raise RowProblem("the price is missing")
        price, fees = _net_of_fees(sign * qty, abs(price), amount, instrument.multiplier)
        out.add(
            common(
                instrument=instrument,
                quantity=sign * qty,
                price=price,
                fees=fees,
                effect=effect,
                kind=kind,
            )
        )

    def _option(self, description: str) -> Instrument:
        instrument = from_robinhood(description.split("\n")[0])
        if instrument is None:
            raise RowProblem(f"the option '{description}' is not one I can read")
        return instrument


def _net_of_fees(
    quantity: Decimal, price: Decimal, amount: Decimal | None, multiplier: int
) -> tuple[Decimal, Decimal]:
    """(price, fees) from the shown price and the net amount (credit positive)."""
    if amount is None:
        return price, Decimal(0)
    gross = -quantity * price * multiplier
    fee = (gross - amount).quantize(_CENT)
    if fee >= 0:
        return price, fee
    per_share = (abs(amount) / (abs(quantity) * multiplier)).quantize(_PRICE_PLACES)
    if per_share == per_share.to_integral_value():
        return per_share.quantize(Decimal(1)), Decimal(0)
    return per_share.normalize(), Decimal(0)
