"""thinkorswim Account Statement CSV (Monitor → Account Statement → Export) → executions.

A multi-section file: a title line (``Account Statement for 487186093TDA (…) since …``), then
sections, each a title row, a header row and data rows. We read two of them::

    Account Trade History  (one leading empty column)
      Exec Time   ``8/14/17 15:23:00`` in the statement's zone (Eastern unless told) → executed_at
                  empty on spread continuation rows: same order and time as the row above
      Spread      VERTICAL | IRON CONDOR | VERT ROLL | SINGLE | …   (order id = exec time + row)
      Side, Qty   BUY/SELL, signed with an explicit ``+``                     → quantity
      Pos Effect  TO OPEN | TO CLOSE (AUTO on paper)                          → effect
      Symbol, Exp, Strike, Type   ``NFLX``, ``1 SEP 17``, ``165``, CALL|PUT|STOCK|ETF
      Price       the leg's fill per share (``.43``)                          → price
    Cash Balance
      DATE, TIME, TYPE, [REF #,] DESCRIPTION, [Misc Fees,] Commissions & Fees, AMOUNT, BALANCE
      ``BOT +2 AAPL 100 (Weeklys) 4 AUG 17 137 PUT @1.18`` one row per leg: its fees (negative)
      are matched to the trade leg by time + contract + quantity (else date + contract +
      quantity); a TRD row with no trade-history leg (dividend reinvestment, assignment delivery)
      is imported from the cash row itself; ``Removal of option due to expiration`` rows become
      expirations when they name the option (the old statements do not: skipped).

Every other section (orders, positions, P/L, forex, futures) is skipped as a whole.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict, deque
from datetime import date, datetime
from decimal import Decimal

from aicoach.journal.core.executions import Effect, ExecutionKind, Instrument
from aicoach.journal.importers._build import Collector, make
from aicoach.journal.importers._dates import NEW_YORK, check_zone, parse_datetime
from aicoach.journal.importers._symbols import from_parts, from_tos_text, stock
from aicoach.journal.importers._text import (
    Columns,
    RowProblem,
    cost,
    csv_rows,
    first_lines,
    need_number,
    text_cell,
)
from aicoach.journal.importers.ports import ParseOptions, ParseResult

SECTIONS = frozenset(
    {
        "Cash Balance",
        "Futures Statements",
        "Forex Statements",
        "Account Order History",
        "Account Trade History",
        "Equities",
        "Options",
        "Futures",
        "Futures Options",
        "Profits and Losses",
        "Account Summary",
    }
)
_TITLE = re.compile(r"Account Statement for (\S+)")
_CASH_TRADE = re.compile(r"(BOT|SOLD) ([+-]?[\d,]*\.?\d+) (.+?) @\s*([\d,]*\.?\d+)")


@dataclasses.dataclass(slots=True)
class _Cash:
    line: int
    raw: str
    at: datetime
    instrument: Instrument
    quantity: Decimal
    price: Decimal
    commission: Decimal
    fees: Decimal
    used: bool = False


class ThinkorswimImporter:
    name = "thinkorswim"
    label = "thinkorswim Account Statement CSV"

    def sniff(self, head: str) -> float:
        lines = first_lines(head, 4)
        if lines and lines[0].lstrip('"').startswith("Account Statement for"):
            return 0.95
        if "Account Trade History" in head and "Exec Time,Spread,Side,Qty,Pos Effect" in head:
            return 0.9
        if "Cash Balance" in head and "DATE,TIME,TYPE," in head:
            return 0.7
        return 0.0

    def parse(self, text: str, *, options: ParseOptions | None = None) -> ParseResult:
        tz = check_zone(options.time_zone if options else None, NEW_YORK)
        out = Collector(self.name, tz)
        section = ""
        cols: Columns | None = None
        trades: list[tuple[int, list[str], str, Columns]] = []
        cash: list[_Cash] = []
        for line, cells, raw in csv_rows(text):
            filled = [c for c in cells if c]
            if len(filled) == 1 and filled[0] in SECTIONS:
                section, cols = filled[0], None
                if section not in ("Cash Balance", "Account Trade History"):
                    out.skip(line, f"section '{section}': not executions")
                continue
            if m := _TITLE.match(filled[0]):
                out.result.account = m[1]
                continue
            if section not in ("Cash Balance", "Account Trade History"):
                continue
            if cols is None:
                cols = Columns(cells)
                continue
            if section == "Account Trade History":
                trades.append((line, cells, raw, cols))
            else:
                out.guard(line, raw, self._cash_row, out, cols, line, cells, raw, tz, cash)
        self._trades(out, trades, cash, tz)
        for entry in cash:
            if not entry.used:
                out.add(
                    make(
                        at=entry.at,
                        instrument=entry.instrument,
                        quantity=entry.quantity,
                        price=entry.price,
                        commission=entry.commission,
                        fees=entry.fees,
                        row=entry.line,
                        raw=entry.raw,
                    )
                )
        return out.finish()

    def _cash_row(
        self,
        out: Collector,
        cols: Columns,
        line: int,
        cells: list[str],
        raw: str,
        tz: str,
        cash: list[_Cash],
    ) -> None:
        kind = cols.get(cells, "TYPE")
        description = cols.get(cells, "DESCRIPTION")
        if kind not in ("TRD", "RAD"):
            out.skip(line, f"cash balance line ({description or kind}): not a trade")
            return
        when = f"{cols.get(cells, 'DATE')} {cols.get(cells, 'TIME')}".strip()
        upper = description.upper()
        if "REMOVAL OF OPTION" in upper:
            found = from_tos_text(upper)
            if found is None:
                out.skip(line, "option removal that doesn't name the option")
                return
            removal = (
                ExecutionKind.ASSIGNMENT
                if "ASSIGN" in upper
                else ExecutionKind.EXERCISE
                if "EXERCIS" in upper
                else ExecutionKind.EXPIRATION
            )
            qty = re.search(r"([+-]?\d+) " + re.escape(found[0].underlying), upper)
            amount = abs(Decimal(qty[1])) if qty else Decimal(1)
            e = make(
                at=parse_datetime(when, tz),
                instrument=found[0],
                quantity=amount,
                price=Decimal(0),
                effect=Effect.CLOSE,
                kind=removal,
                row=line,
                raw=raw,
            )
            if removal is ExecutionKind.ASSIGNMENT:
                out.add(e)
            elif removal is ExecutionKind.EXERCISE:
                out.add(dataclasses.replace(e, quantity=-amount, fingerprint=""))
            else:
                out.add_unsigned(e)
            return
        m = _CASH_TRADE.match(description)
        if m is None:
            out.skip(line, f"cash balance line ({description}): not a trade")
            return
        found = from_tos_text(m[3])
        instrument = found[0] if found is not None else stock(text_cell(m[3], "symbol"))
        quantity = need_number(m[2], "quantity")
        if m[1] == "SOLD":
            quantity = -abs(quantity)
        cash.append(
            _Cash(
                line=line,
                raw=raw,
                at=parse_datetime(when, tz),
                instrument=instrument,
                quantity=quantity,
                price=need_number(m[4], "price"),
                commission=-cost(cols.get(cells, "Commissions & Fees"), "commissions & fees"),
                fees=-cost(cols.get(cells, "Misc Fees"), "misc fees"),
            )
        )

    def _trades(
        self,
        out: Collector,
        trades: list[tuple[int, list[str], str, Columns]],
        cash: list[_Cash],
        tz: str,
    ) -> None:
        exact: dict[tuple[datetime, str, Decimal], deque[_Cash]] = defaultdict(deque)
        daily: dict[tuple[date, str, Decimal], deque[_Cash]] = defaultdict(deque)
        for entry in cash:
            key = entry.instrument.key
            exact[(entry.at, key, entry.quantity)].append(entry)
            daily[(entry.at.date(), key, entry.quantity)].append(entry)
        parent_time = ""
        order_id = ""
        for line, cells, raw, cols in trades:
            exec_time = cols.get(cells, "Exec Time")
            if exec_time:
                parent_time, order_id = exec_time, f"{exec_time}#{line}"
            elif not parent_time:
                out.error(line, raw, "a spread leg without an order row above it")
                continue
            args = (cols, line, cells, raw, parent_time, order_id, tz, exact, daily)
            out.guard(line, raw, self._trade, out, *args)

    def _trade(
        self,
        out: Collector,
        cols: Columns,
        line: int,
        cells: list[str],
        raw: str,
        when: str,
        order_id: str,
        tz: str,
        exact: dict[tuple[datetime, str, Decimal], deque[_Cash]],
        daily: dict[tuple[date, str, Decimal], deque[_Cash]],
    ) -> None:
        kind = cols.get(cells, "Type").upper()
        symbol = text_cell(cols.get(cells, "Symbol"), "symbol")
        if symbol.startswith("/"):
            out.skip(line, f"futures ({symbol}): not supported")
            return
        if kind in ("CALL", "PUT"):
            exp = cols.get(cells, "Exp")
            instrument = from_parts(symbol, exp, cols.get(cells, "Strike"), kind)
        elif kind in ("STOCK", "ETF", ""):
            instrument = stock(symbol)
        else:
            out.skip(line, f"{kind.lower()} ({symbol}): not a stock or equity option")
            return
        quantity = need_number(cols.get(cells, "Qty"), "quantity")
        side = cols.get(cells, "Side").upper()
        if side not in ("BUY", "SELL"):
            raise RowProblem(f"the side '{side}' is neither BUY nor SELL")
        quantity = abs(quantity) if side == "BUY" else -abs(quantity)
        at = parse_datetime(when, tz, "exec time")
        price = need_number(cols.get(cells, "Price"), "price")
        match = _take(exact[(at, instrument.key, quantity)]) or _take(
            daily[(at.date(), instrument.key, quantity)]
        )
        commission = fees = Decimal(0)
        if match is not None:
            commission, fees = match.commission, match.fees
            if match.instrument.multiplier != instrument.multiplier:
                instrument = match.instrument
        pos = cols.get(cells, "Pos Effect").upper()
        effect = (
            Effect.OPEN if "OPEN" in pos else Effect.CLOSE if "CLOSE" in pos else Effect.UNKNOWN
        )
        out.add(
            make(
                at=at,
                instrument=instrument,
                quantity=quantity,
                price=price,
                commission=commission,
                fees=fees,
                effect=effect,
                order_id=order_id,
                row=line,
                raw=raw,
            )
        )


def _take(queue: deque[_Cash]) -> _Cash | None:
    while queue:
        entry = queue.popleft()
        if not entry.used:
            entry.used = True
            return entry
    return None
