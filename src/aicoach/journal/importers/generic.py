"""Any CSV with one execution per row, read through the user's ``ColumnMapping``.

Units the mapping promises: prices per share (or per contract with ``price_per="contract"``,
divided by the multiplier), quantities in shares/contracts (signed, or unsigned with a buy/sell
column), commission and fees as amounts paid (their sign is ignored), times in
``mapping.time_zone`` (a date without a time: 16:00 there, ``time_known=False``), an optional
event column naming expirations/assignments/exercises. Never chosen by sniffing: the user
picks it and says which column is what.
"""

from __future__ import annotations

from collections.abc import Callable

from aicoach.journal.core.executions import Effect, ExecutionKind, Instrument
from aicoach.journal.importers._build import Collector, make
from aicoach.journal.importers._dates import CLOSE, parse_date, parse_datetime, to_utc
from aicoach.journal.importers._symbols import any_option, from_parts, stock
from aicoach.journal.importers._text import (
    Columns,
    RowProblem,
    cost,
    csv_rows,
    need_number,
    number,
    text_cell,
)
from aicoach.journal.importers.errors import ColumnMappingError
from aicoach.journal.importers.mapping import ColumnMapping
from aicoach.journal.importers.ports import ParseOptions, ParseResult

_BUY = frozenset({"B", "BUY", "BOT", "BOUGHT", "BTO", "BTC", "BUY TO OPEN", "BUY TO CLOSE", "LONG"})
Cell = Callable[[str | None], str]
_SELL = frozenset(
    {"S", "SELL", "SLD", "SOLD", "STO", "STC", "SELL TO OPEN", "SELL TO CLOSE", "SHORT", "SS"}
)


class GenericCsvImporter:
    name = "generic"
    label = "any CSV, with the columns you name"

    def sniff(self, head: str) -> float:
        return 0.0

    def parse(self, text: str, *, options: ParseOptions | None = None) -> ParseResult:
        mapping = options.mapping if options else None
        if mapping is None:
            raise ColumnMappingError("Say which column holds what before importing this CSV.")
        out = Collector(self.name, mapping.time_zone)
        rows = csv_rows(text)
        first = next(rows, None)
        cols = Columns(first[1] if first else [])
        check_mapping(mapping, cols)
        for line, cells, raw in rows:
            out.guard(line, raw, self._row, out, mapping, cols, line, cells, raw)
        return out.finish()

    def _row(
        self,
        out: Collector,
        m: ColumnMapping,
        cols: Columns,
        line: int,
        cells: list[str],
        raw: str,
    ) -> None:
        def cell(name: str | None) -> str:
            return cols.get(cells, name) if name else ""

        instrument = _instrument(m, cell)
        qty = need_number(cell(m.quantity), "quantity")
        if m.quantity_sign == "side":
            side = cell(m.side).upper()
            if side in _BUY:
                qty = abs(qty)
            elif side in _SELL:
                qty = -abs(qty)
            else:
                raise RowProblem(f"the side '{cell(m.side)}' is neither a buy nor a sell")
        price = abs(need_number(cell(m.price), "price"))
        if m.price_per == "contract":
            price = price / instrument.multiplier
        time_known = True
        if m.time_of_day:
            at = parse_datetime(f"{cell(m.time)} {cell(m.time_of_day)}", m.time_zone)
        else:
            try:
                at = parse_datetime(cell(m.time), m.time_zone)
            except RowProblem:
                at, time_known = to_utc(parse_date(cell(m.time)), CLOSE, m.time_zone), False
        word = cell(m.effect).upper()
        effect = (
            Effect.OPEN
            if "OPEN" in word or word in ("BTO", "STO", "O")
            else Effect.CLOSE
            if "CLOSE" in word or word in ("BTC", "STC", "C")
            else Effect.UNKNOWN
        )
        out.add(
            make(
                at=at,
                instrument=instrument,
                quantity=qty,
                price=price,
                commission=abs(cost(cell(m.commission), "commission")),
                fees=abs(cost(cell(m.fees), "fees")),
                effect=effect,
                kind=_kind(cell(m.kind)),
                order_id=text_cell(cell(m.order_id), "order id") or None,
                time_known=time_known,
                row=line,
                raw=raw,
            )
        )


def _kind(word: str) -> ExecutionKind:
    text = word.upper()
    if "EXPIR" in text:
        return ExecutionKind.EXPIRATION
    if "ASSIGN" in text:
        return ExecutionKind.ASSIGNMENT
    if "EXERC" in text:
        return ExecutionKind.EXERCISE
    return ExecutionKind.TRADE


def _multiplier(m: ColumnMapping, cell_text: str) -> int:
    value = number(cell_text, "multiplier") if m.multiplier else None
    return int(value) if value else m.default_multiplier


def _instrument(m: ColumnMapping, cell: Cell) -> Instrument:
    mult = _multiplier(m, cell(m.multiplier))
    if m.symbol:
        symbol = text_cell(cell(m.symbol), "symbol")
        return any_option(symbol, mult) or stock(symbol)
    underlying = text_cell(cell(m.underlying), "underlying")
    if not cell(m.expiration) and not cell(m.strike):
        return stock(underlying)
    return from_parts(underlying, cell(m.expiration), cell(m.strike), cell(m.right), mult)


def check_mapping(mapping: ColumnMapping, cols: Columns) -> None:
    """Every column the mapping names must be in the header; say which are not."""
    missing = [
        f"'{name}' (for {role.replace('_', ' ')})"
        for role, name in mapping.columns().items()
        if not cols.has(name)
    ]
    if missing:
        have = ", ".join(f"'{n}'" for n in cols.names if n) or "none"
        raise ColumnMappingError(
            f"This file has no column {', '.join(missing)}. Its columns are: {have}."
        )
