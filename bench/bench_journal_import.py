"""Broker import speed: 100,000 executions per format, parsed from text in memory.

Each file is generated in the format's layout (tastytrade, thinkorswim with its cash-balance fee
matching, IBKR Activity Statement with Order + Trade rows, Robinhood with duplicate rows).
Goal: a few seconds each, i.e. linear work per row.
"""

from __future__ import annotations

from collections.abc import Callable

from aicoach.journal.importers.ibkr import IbkrActivityImporter
from aicoach.journal.importers.ports import ParseResult
from aicoach.journal.importers.robinhood import RobinhoodImporter
from aicoach.journal.importers.tastytrade import TastytradeImporter
from aicoach.journal.importers.thinkorswim import ThinkorswimImporter
from bench.harness import Report, best_seconds

N = 100_000
_TASTY_HEADER = (
    "Date,Type,Sub Type,Action,Symbol,Instrument Type,Description,Value,Quantity,Average Price,"
    "Commissions,Fees,Multiplier,Root Symbol,Underlying Symbol,Expiration Date,Strike Price,"
    "Call or Put,Order #,Currency"
)


def _strike(i: int) -> int:
    return 400 + i % 200


def tastytrade_file(n: int = N) -> str:
    rows = [_TASTY_HEADER]
    for i in range(n):
        k = _strike(i)
        side, sign = ("SELL_TO_OPEN", 1) if i % 2 else ("BUY_TO_OPEN", -1)
        rows.append(
            f"2024-03-{1 + i % 28:02d}T16:{i % 60:02d}:{(i // 60) % 60:02d}+0100,Trade,x,{side},"
            f"SPY   2406{1 + i % 28:02d}P00{k}000,Equity Option,leg,{sign * 310}.00,1,"
            f"{sign * 310}.00,-1.00,-0.14,100,SPY,SPY,6/1/24,{k},PUT,{i // 2},USD"
        )
    return "\n".join(rows) + "\n"


def thinkorswim_file(n: int = N) -> str:
    cash = ["DATE,TIME,TYPE,DESCRIPTION,Commissions & Fees,AMOUNT,BALANCE"]
    trades = [
        ",Exec Time,Spread,Side,Qty,Pos Effect,Symbol,Exp,Strike,Type,Price,Net Price,Order Type"
    ]
    for i in range(n):
        day, t = f"3/{1 + i % 28}/24", f"{10 + i % 6}:{i % 60:02d}:{(i // 60) % 60:02d}"
        k = _strike(i)
        side, word, q = ("SELL", "SOLD", -1) if i % 2 else ("BUY", "BOT", 1)
        cash.append(f"{day},{t},TRD,{word} {q:+d} SPY 100 21 JUN 24 {k} PUT @3.10,-0.65,1,1")
        trades.append(
            f",{day} {t},SINGLE,{side},{q:+d},TO OPEN,SPY,21 JUN 24,{k},PUT,3.10,3.10,LMT"
        )
    parts = ["Account Statement for 1SCHW () since 3/1/24 through 3/29/24", "", "Cash Balance"]
    return "\n".join([*parts, *cash, "", "Account Trade History", *trades]) + "\n"


def ibkr_file(n: int = N) -> str:
    rows = [
        "Trades,Header,DataDiscriminator,Asset Category,Currency,Symbol,Date/Time,Exchange,"
        "Quantity,T. Price,C. Price,Proceeds,Comm/Fee,Basis,Realized P/L,MTM P/L,Code"
    ]
    for i in range(n):
        sym = f"SPY 21JUN24 {_strike(i)} P"
        when = f'"2024-03-{1 + i % 28:02d}, 10:{i % 60:02d}:{(i // 60) % 60:02d}"'
        data = f"Equity and Index Options,USD,{sym},{when},CBOE,-1,3.1,3.0,310,-0.65,-309.35,0,5,O"
        rows.append(f"Trades,Data,Order,{data}")
        rows.append(f"Trades,Data,Trade,{data}")
    return "\n".join(rows) + "\n"


def robinhood_file(n: int = N) -> str:
    rows = ['"Activity Date","Process Date","Settle Date","Instrument","Description","Trans Code",'
            '"Quantity","Price","Amount"']  # fmt: skip
    for i in range(n):
        day = f"3/{1 + i % 28}/2024"
        rows.append(
            f'"{day}","{day}","{day}","SPY","SPY 6/21/2024 Put ${_strike(i // 2)}.00","STO","1",'
            '"$3.10","$309.97"'
        )
    return "\n".join(rows) + "\n"


def run(report: Report) -> None:
    cases: list[tuple[str, Callable[[str], ParseResult], Callable[[int], str]]] = [
        ("tastytrade", TastytradeImporter().parse, tastytrade_file),
        ("thinkorswim", ThinkorswimImporter().parse, thinkorswim_file),
        ("ibkr", IbkrActivityImporter().parse, ibkr_file),
        ("robinhood", RobinhoodImporter().parse, robinhood_file),
    ]
    for name, parse, make in cases:
        text = make(N)
        result = parse(text)
        assert len(result.executions) == N, name
        assert not result.errors, (name, result.errors[:3])
        seconds = best_seconds(lambda: parse(text), repeat=1)  # noqa: B023 - called at once
        report.figure(
            f"journal.import.{name}",
            f"{N:,} executions in {seconds:.2f} s ({N / seconds:,.0f}/s)  goal: < 5 s",
        )


if __name__ == "__main__":
    run(Report())
