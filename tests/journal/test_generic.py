from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from aicoach.journal.importers.errors import ColumnMappingError
from aicoach.journal.importers.generic import GenericCsvImporter
from aicoach.journal.importers.mapping import ColumnMapping
from aicoach.journal.importers.ports import ParseOptions
from tests.journal.importers_helpers import FIXTURES, check, load

HERE = FIXTURES / "generic"
MAPPING = ColumnMapping(
    time="Executed (ET)",
    symbol="Symbol",
    side="Action",
    quantity="Qty",
    price="Fill Price",
    commission="Commission",
    fees="Reg Fees",
    order_id="Order Ref",
    effect="Open/Close",
    kind="Event",
)


def test_fixture() -> None:
    check(GenericCsvImporter(), HERE / "fills.csv", ParseOptions(mapping=MAPPING))


def test_a_mapped_column_missing_from_the_file_is_named() -> None:
    mapping = MAPPING.model_copy(update={"price": "Price"})
    with pytest.raises(ColumnMappingError, match=r"no column 'Price' \(for price\)"):
        GenericCsvImporter().parse(load(HERE / "fills.csv"), options=ParseOptions(mapping=mapping))


def test_no_mapping_is_refused() -> None:
    with pytest.raises(ColumnMappingError, match="which column"):
        GenericCsvImporter().parse(load(HERE / "fills.csv"))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"time": "t", "quantity": "q", "price": "p", "side": "s"}, "symbol"),
        ({"time": "t", "symbol": "x", "quantity": "q", "price": "p"}, "buy/sell"),
        (
            {"time": "t", "symbol": "x", "quantity": "q", "price": "p", "side": "s",
             "time_zone": "Mars/Olympus"},
            "time zone",
        ),
    ],
)  # fmt: skip
def test_incomplete_mappings_are_refused(fields: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ColumnMapping.model_validate(fields)


def test_signed_quantities_and_prices_per_contract() -> None:
    text = "When,Contract,Units,Premium\n2024-03-04 10:15:30,SPY240315P00500000,-2,310\n"
    mapping = ColumnMapping(
        time="When",
        symbol="Contract",
        quantity="Units",
        quantity_sign="signed",
        price="Premium",
        price_per="contract",
        time_zone="America/Chicago",
    )
    result = GenericCsvImporter().parse(text, options=ParseOptions(mapping=mapping))
    (e,) = result.executions
    assert e.quantity == -2
    assert e.price == Decimal("3.1")
    assert e.executed_at.isoformat() == "2024-03-04T16:15:30+00:00"
