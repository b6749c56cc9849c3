from __future__ import annotations

import pytest

from aicoach.journal.importers.ibkr import IbkrActivityImporter
from tests.journal.importers_helpers import FIXTURES, check, load

HERE = FIXTURES / "ibkr"


@pytest.mark.parametrize("name", ["activity_statement_2024_03.csv", "broken_rows.csv"])
def test_fixture(name: str) -> None:
    check(IbkrActivityImporter(), HERE / name)


def test_order_rows_are_used_only_when_there_are_no_trade_rows() -> None:
    text = load(HERE / "activity_statement_2024_03.csv")
    orders_only = "\n".join(x for x in text.split("\n") if not x.startswith("Trades,Data,Trade,"))
    result = IbkrActivityImporter().parse(orders_only)
    assert [(e.instrument.key, e.quantity) for e in result.executions] == [
        ("KO", 100),
        ("AAPL  240315C00170000", -1),
        ("KO    240315P00060000", -1),
        ("SPY   240315P00495000", 2),
    ]
    assert result.errors == []
