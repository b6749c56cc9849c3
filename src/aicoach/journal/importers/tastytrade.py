"""tastytrade (tastyworks) "Transactions" CSV → executions.

Field map (current 2023+ layout; the 2021–2023 one lacks ``Sub Type`` and ``Currency``)::

    Date             ISO-8601 with the exporting user's UTC offset (+0200)  → executed_at (UTC)
    Type             Trade | Receive Deliver | Money Movement (skipped)
    Sub Type         Sell to Open … | Assignment | Expiration | Exercise     → kind, effect
    Action           SELL_TO_OPEN | BUY_TO_OPEN | SELL_TO_CLOSE | BUY_TO_CLOSE → sign, effect
    Symbol           OCC, root padded to 6 (``SCHG  240920C00099000``) or a ticker
    Instrument Type  Equity | Equity Option (futures/crypto are skipped)
    Quantity         unsigned units (the sign comes from Action)
    Average Price    signed, ×multiplier for options (370.00 for a 3.70 fill) → price ÷ multiplier
    Value            signed net cash of the row (used when Average Price is empty)
    Commissions      negative = paid; ``--`` = none                          → commission
    Fees             negative = paid                                         → fees
    Multiplier       100 for equity options (empty for stock)
    Order #          groups the legs of one order                            → order_id

Receive Deliver rows: ``Removal of option due to expiration/assignment/exercise`` close the option
at 0 (an assignment closes a short, an exercise a long, an expiration is signed by the Action or
by the running position); the stock row beside them (``Buy to Open 100 SCHG @ 103.00``) is the
delivery at the strike and takes the removal's kind.
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial

from aicoach.journal.core.executions import Effect, ExecutionKind, Instrument
from aicoach.journal.importers._build import Collector, make
from aicoach.journal.importers._dates import parse_datetime
from aicoach.journal.importers._symbols import from_occ, from_parts, stock
from aicoach.journal.importers._text import (
    Columns,
    RowProblem,
    cost,
    csv_rows,
    first_lines,
    need_number,
    number,
    split_costs,
    text_cell,
)
from aicoach.journal.importers.errors import ImportFileError
from aicoach.journal.importers.ports import ParseOptions, ParseResult

REQUIRED = ("Date", "Type", "Action", "Symbol", "Instrument Type", "Quantity", "Value")
_REMOVALS = {
    "expiration": ExecutionKind.EXPIRATION,
    "assignment": ExecutionKind.ASSIGNMENT,
    "exercise": ExecutionKind.EXERCISE,
}
_TRADE_SUB_TYPES = frozenset({"buy to open", "sell to open", "buy to close", "sell to close"})
_SUPPORTED = {"equity": False, "equity option": True, "index option": True}


class TastytradeImporter:
    name = "tastytrade"
    label = "tastytrade transactions CSV"

    def sniff(self, head: str) -> float:
        header = first_lines(head, 1)[0]
        cols = Columns(header.split(","))
        if cols.has("Date", "Type", "Symbol", "Instrument Type", "Average Price"):
            return 0.95 if cols.has("Order #") else 0.8
        return 0.0

    def parse(self, text: str, *, options: ParseOptions | None = None) -> ParseResult:
        out = Collector(self.name, "UTC offsets written in the file")
        rows = csv_rows(text)
        first = next(rows, None)
        if first is None:
            raise ImportFileError("This tastytrade file has no header row.")
        cols = Columns(first[1])
        if missing := cols.missing(*REQUIRED):
            raise ImportFileError(
                f"This tastytrade file is missing the column(s): {', '.join(missing)}."
            )
        for line, cells, raw in rows:
            out.guard(line, raw, self._row, out, cols, line, cells, raw)
        return out.finish()

    def _row(self, out: Collector, cols: Columns, line: int, cells: list[str], raw: str) -> None:
        kind_of_row = cols.get(cells, "Type")
        if kind_of_row not in ("Trade", "Receive Deliver"):
            sub = cols.get(cells, "Sub Type") or cols.get(cells, "Description")
            out.skip(line, f"{kind_of_row or 'unknown'} row ({sub}): not a trade")
            return
        itype = cols.get(cells, "Instrument Type")
        is_option = _SUPPORTED.get(itype.lower())
        if is_option is None:
            out.skip(line, f"{itype or 'unknown instrument'}: not a stock or equity option")
            return
        description = cols.get(cells, "Description")
        sub_type = cols.get(cells, "Sub Type")
        action = text_cell(cols.get(cells, "Action"), "action").upper()
        removal = _removal(sub_type, description) if kind_of_row == "Receive Deliver" else None
        if (
            kind_of_row == "Receive Deliver"
            and removal is None
            and not _is_delivery(action, sub_type, description)
        ):
            what = sub_type or description
            out.skip(line, f"Receive Deliver row ({what}): a transfer or corporate action")
            return
        multiplier = int(number(cols.get(cells, "Multiplier"), "multiplier") or 1)
        instrument = self._instrument(cols, cells, is_option, multiplier)
        qty = need_number(cols.get(cells, "Quantity"), "quantity")
        at = parse_datetime(cols.get(cells, "Date"), "UTC", "date")
        commission, fees = split_costs(
            -cost(cols.get(cells, "Commissions"), "commission"),
            -cost(cols.get(cells, "Fees"), "fees"),
        )
        common = partial(
            make,
            at=at,
            instrument=instrument,
            row=line,
            raw=raw,
            commission=commission,
            fees=fees,
            order_id=cols.get(cells, "Order #"),
        )
        if removal is not None:
            q = abs(qty)
            effect = Effect.CLOSE
            if removal is ExecutionKind.ASSIGNMENT or action.startswith("BUY"):
                out.add(common(quantity=q, price=Decimal(0), effect=effect, kind=removal))
            elif removal is ExecutionKind.EXERCISE or action.startswith("SELL"):
                out.add(common(quantity=-q, price=Decimal(0), effect=effect, kind=removal))
            else:
                out.add_unsigned(common(quantity=q, price=Decimal(0), effect=effect, kind=removal))
            return
        sign = _sign(action)
        price = self._price(cols, cells, qty, instrument.multiplier)
        effect = (
            Effect.OPEN
            if "OPEN" in action
            else Effect.CLOSE
            if "CLOSE" in action
            else Effect.UNKNOWN
        )
        out.add(common(quantity=sign * abs(qty), price=price, effect=effect))

    def _instrument(
        self, cols: Columns, cells: list[str], is_option: bool, multiplier: int
    ) -> Instrument:
        symbol = text_cell(cols.get(cells, "Symbol"), "symbol")
        if not is_option:
            return stock(symbol)
        found = from_occ(symbol, multiplier or 100)
        if found is not None:
            return found
        root = cols.get(cells, "Root Symbol") or cols.get(cells, "Underlying Symbol")
        return from_parts(
            root,
            cols.get(cells, "Expiration Date"),
            cols.get(cells, "Strike Price"),
            cols.get(cells, "Call or Put"),
            multiplier or 100,
        )

    def _price(self, cols: Columns, cells: list[str], qty: Decimal, multiplier: int) -> Decimal:
        average = number(cols.get(cells, "Average Price"), "average price")
        if average is not None:
            return abs(average) / multiplier
        value = need_number(cols.get(cells, "Value"), "value")
        return abs(value) / (abs(qty) * multiplier)


def _removal(sub_type: str, description: str) -> ExecutionKind | None:
    for word, kind in _REMOVALS.items():
        if word in sub_type.lower():
            return kind
    text = description.lower()
    if "removal of" in text or "due to" in text:
        for word, kind in _REMOVALS.items():
            if word in text:
                return kind
    return None


def _is_delivery(action: str, sub_type: str, description: str) -> bool:
    """A stock leg of an assignment/exercise (``Buy to Open 100 SCHG @ 103.00``), not an ACAT,
    symbol change, split or spin-off (those carry an Action too)."""
    if not action:
        return False
    if sub_type:
        return sub_type.lower() in _TRADE_SUB_TYPES
    return description.lower().startswith(("buy to", "sell to"))


def _sign(action: str) -> int:
    if action.startswith("BUY"):
        return 1
    if action.startswith("SELL"):
        return -1
    raise RowProblem(f"the action '{action}' is neither a buy nor a sell")
