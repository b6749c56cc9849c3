from __future__ import annotations

from decimal import Decimal

import pytest

from aicoach.journal.importers.ports import ParseOptions
from aicoach.journal.importers.thinkorswim import ThinkorswimImporter
from tests.journal.importers_helpers import FIXTURES, check, load

HERE = FIXTURES / "thinkorswim"


@pytest.mark.parametrize("name", ["2024-03-18-AccountStatement.csv", "broken_rows.csv"])
def test_fixture(name: str) -> None:
    check(ThinkorswimImporter(), HERE / name)


def test_every_trade_leg_got_its_cash_balance_fee() -> None:
    result = ThinkorswimImporter().parse(load(HERE / "2024-03-18-AccountStatement.csv"))
    legs = [e for e in result.executions if e.order_id]
    assert sum(e.commission for e in legs) == Decimal("9.10")
    assert sum(e.fees for e in legs) == Decimal("0.15")


def test_a_statement_in_another_zone() -> None:
    text = load(HERE / "2024-03-18-AccountStatement.csv")
    result = ThinkorswimImporter().parse(text, options=ParseOptions(time_zone="America/Chicago"))
    first = next(e for e in result.executions if e.row == 53)
    assert first.executed_at.isoformat() == "2024-03-01T15:45:12+00:00"
    assert result.time_zone == "America/Chicago"
