"""Interactive Brokers Flex Query (XML, or CSV with the same field names) → executions.

XML: ``<FlexQueryResponse><FlexStatements><FlexStatement accountId=…><TradeConfirms>
<TradeConfirm …/>`` (or ``<Trades><Trade …/>``), one element per fill. Read with ``expat``
directly: a document type declaration or entity is refused before anything is expanded.
CSV: a header row of the same names (``ClientAccountID``, ``AssetClass``, ``Buy/Sell``,
``TradePrice``, ``IBCommission``, ``Date/Time`` …), optionally inside the ``BOF/BOA/BOS … EOS/EOA/
EOF`` envelope (``HEADER``/``DATA`` rows), with ``MSG`` rows. Field map (names compared without
case or punctuation)::

    assetCategory|AssetClass   STK | OPT (others skipped)
    symbol, underlyingSymbol   ``HYG   191115P00087000`` (OCC) / ticker
    strike, expiry, putCall    ``87``, ``20191115``, ``P`` (used when the symbol is not OCC)
    multiplier                 100 for equity options
    dateTime|Date/Time         ``20190212;154155`` in the query's zone (Eastern unless told)
    quantity                   signed (``-1`` sold)                         → quantity
    price|TradePrice           per share                                     → price
    commission|IBCommission    negative = paid                               → commission
    taxes|tax                  negative = paid                               → fees
    openCloseIndicator|code    O / C; ``A`` ``Ex`` ``Ep`` in code/notes      → effect, kind
    orderID|IBOrderID          groups the fills of one order                 → order_id
    levelOfDetail              EXECUTION (imported), ORDER (only if no EXECUTION), others skipped
"""

from __future__ import annotations

import re
import xml.parsers.expat

from aicoach.journal.importers._build import Collector, make
from aicoach.journal.importers._dates import NEW_YORK, check_zone, parse_datetime
from aicoach.journal.importers._symbols import from_occ, from_parts, stock
from aicoach.journal.importers._text import (
    cost,
    csv_rows,
    need_number,
    number,
    split_costs,
    text_cell,
)
from aicoach.journal.importers.errors import ImportFileError
from aicoach.journal.importers.ibkr import codes
from aicoach.journal.importers.ports import ParseOptions, ParseResult

Record = dict[str, str]
_ALIASES = {
    "assetclass": "assetcategory",
    "currencyprimary": "currency",
    "tradeprice": "price",
    "ibcommission": "commission",
    "clientaccountid": "accountid",
    "iborderid": "orderid",
    "ibexecid": "execid",
    "opencloseindicator": "openclose",
    "notescodes": "notes",
    "tax": "taxes",
}
_TRADE_TAGS = frozenset({"TradeConfirm", "Trade"})
_ENVELOPE = frozenset({"BOF", "BOA", "BOS", "EOS", "EOA", "EOF", "MSG"})
_SKIP_LEVELS = frozenset({"CLOSED_LOT", "SYMBOL_SUMMARY", "ASSET_SUMMARY", "SUMMARY"})


def _key(name: str) -> str:
    k = re.sub(r"[^a-z0-9]", "", name.lower())
    return _ALIASES.get(k, k)


class IbkrFlexImporter:
    name = "ibkr_flex"
    label = "Interactive Brokers Flex Query (XML or CSV)"

    def sniff(self, head: str) -> float:
        start = head.lstrip()[:4096]
        if "<FlexQueryResponse" in start or "<FlexStatement" in start:
            return 0.98
        first = start.split("\n", 1)[0].replace('"', "")
        if first.startswith("BOF,"):
            return 0.9
        keys = {_key(c) for c in first.split(",")}
        if {"buysell", "quantity", "symbol"} <= keys and (
            "accountid" in keys or "ibcommission" in keys or "tradeid" in keys
        ):
            return 0.9
        return 0.0

    def parse(self, text: str, *, options: ParseOptions | None = None) -> ParseResult:
        tz = check_zone(options.time_zone if options else None, NEW_YORK)
        out = Collector(self.name, tz)
        records = _xml(text, out) if text.lstrip().startswith("<") else _csv(text, out)
        has_execution = any(
            r.get("levelofdetail", "").upper() == "EXECUTION" for _, _, r in records
        )
        for line, raw, record in records:
            level = record.get("levelofdetail", "").upper()
            if level in _SKIP_LEVELS or (has_execution and level == "ORDER"):
                out.skip(line, f"{level.lower().replace('_', ' ')} line: not a fill")
                continue
            out.guard(line, raw, _read, out, line, raw, record, tz)
        return out.finish(link_deliveries=False)


def _read(out: Collector, line: int, raw: str, r: Record, tz: str) -> None:
    if not out.result.account and r.get("accountid"):
        out.result.account = r["accountid"]
    category = r.get("assetcategory", "").upper()
    symbol = text_cell(r.get("symbol", ""), "symbol")
    if category not in ("STK", "OPT"):
        out.skip(line, f"{category or 'unknown asset'} ({symbol}): not a stock or option")
        return
    currency = r.get("currency", "USD")
    if currency and currency != "USD":
        out.skip(line, f"{symbol} traded in {currency}: only USD is imported")
        return
    side = r.get("buysell", "").upper()
    if "(CA" in side or r.get("transactiontype", "").startswith("Cancel"):
        out.skip(line, "a cancelled trade")
        return
    if category == "OPT":
        mult = int(number(r.get("multiplier", ""), "multiplier") or 100)
        instrument = from_occ(symbol, mult) or from_parts(
            r.get("underlyingsymbol", "") or symbol.split(" ")[0],
            r.get("expiry", ""),
            r.get("strike", ""),
            r.get("putcall", ""),
            mult,
        )
    else:
        instrument = stock(symbol)
    qty = need_number(r.get("quantity", ""), "quantity")
    if side.startswith("SELL"):
        qty = -abs(qty)
    elif side.startswith("BUY"):
        qty = abs(qty)
    when = r.get("datetime") or f"{r.get('tradedate', '')};{r.get('tradetime', '')}"
    effect, kind = codes(";".join((r.get("openclose", ""), r.get("code", ""), r.get("notes", ""))))
    commission, fees = split_costs(
        -cost(r.get("commission", ""), "commission"), -cost(r.get("taxes", ""), "taxes")
    )
    out.add(
        make(
            at=parse_datetime(when, tz, "date/time"),
            instrument=instrument,
            quantity=qty,
            price=abs(need_number(r.get("price", ""), "price")),
            commission=commission,
            fees=fees,
            effect=effect,
            kind=kind,
            order_id=r.get("orderid") or r.get("brokerageorderid") or None,
            row=line,
            raw=raw,
        )
    )


def _refuse(*_: object) -> int:
    raise ImportFileError("This XML declares a DTD or entities; a Flex Query never does.")


def _xml(text: str, out: Collector) -> list[tuple[int, str, Record]]:
    lines = text.split("\n")
    records: list[tuple[int, str, Record]] = []
    parser = xml.parsers.expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse

    def start(tag: str, attrs: dict[str, str]) -> None:
        line = parser.CurrentLineNumber
        if tag == "FlexStatement" and attrs.get("accountId"):
            out.result.account = attrs["accountId"]
        if tag in _TRADE_TAGS:
            records.append((line, lines[line - 1].strip(), {_key(k): v for k, v in attrs.items()}))
        elif tag in ("Lot", "Order", "SymbolSummary", "AssetSummary"):
            out.skip(line, f"<{tag}> element: not a fill")

    parser.StartElementHandler = start
    try:
        parser.Parse(text, True)
    except xml.parsers.expat.ExpatError as exc:
        raise ImportFileError(f"This XML file is broken: {exc}.") from None
    return records


def _csv(text: str, out: Collector) -> list[tuple[int, str, Record]]:
    records: list[tuple[int, str, Record]] = []
    header: list[str] | None = None
    for line, cells, raw in csv_rows(text):
        tag = cells[0].upper()
        if tag in _ENVELOPE:
            if tag == "BOA" and len(cells) > 1:
                out.result.account = cells[1]
            continue
        if tag in ("HEADER", "DATA"):
            is_header, cells = tag == "HEADER", cells[2:]
        else:
            keys = {_key(c) for c in cells}
            is_header = "symbol" in keys and "quantity" in keys
        if is_header:
            header = [_key(c) for c in cells]
            if not {"symbol", "quantity", "price"} <= set(header):
                header = None
                out.skip(line, "a section that is not trades")
            continue
        if header is None:
            out.skip(line, "a line outside the trades section")
            continue
        records.append((line, raw, dict(zip(header, cells, strict=False))))
    return records
