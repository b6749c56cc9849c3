from __future__ import annotations

from decimal import Decimal

import pytest

from aicoach.journal.importers.errors import ImportFileError
from aicoach.journal.importers.tastytrade import TastytradeImporter
from tests.journal.importers_helpers import FIXTURES, check, load

HERE = FIXTURES / "tastytrade"


@pytest.mark.parametrize(
    "name", ["transactions_2024.csv", "transactions_2022_old_layout.csv", "broken_rows.csv"]
)
def test_fixture(name: str) -> None:
    check(TastytradeImporter(), HERE / name)


def test_missing_column_is_named() -> None:
    with pytest.raises(ImportFileError, match="Action"):
        TastytradeImporter().parse(load(HERE / "missing_column.csv"))


def test_cash_of_the_vertical_matches_the_value_column() -> None:
    result = TastytradeImporter().parse(load(HERE / "transactions_2024.csv"))
    legs = [e for e in result.executions if e.order_id == "1003"]
    # Value 620.00 − 390.00, less commissions 4.00 and fees 0.54
    assert sum(e.cash for e in legs) == Decimal("225.46")
