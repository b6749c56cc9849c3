from __future__ import annotations

import pytest

from aicoach.journal.importers.errors import ImportFileError
from aicoach.journal.importers.ibkr_flex import IbkrFlexImporter
from tests.journal.importers_helpers import FIXTURES, check

HERE = FIXTURES / "ibkr_flex"


@pytest.mark.parametrize("name", ["trades_2024_03.xml", "trades_2024_03_envelope.csv"])
def test_fixture(name: str) -> None:
    check(IbkrFlexImporter(), HERE / name)


@pytest.mark.parametrize(
    "xml",
    [
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><FlexQueryResponse>&a;'
        "</FlexQueryResponse>",
        '<?xml version="1.0"?><!DOCTYPE r SYSTEM "file:///etc/passwd"><FlexQueryResponse/>',
    ],
)
def test_dtds_and_entities_are_refused(xml: str) -> None:
    with pytest.raises(ImportFileError, match="DTD"):
        IbkrFlexImporter().parse(xml)


def test_broken_xml_is_a_file_error() -> None:
    with pytest.raises(ImportFileError, match="broken"):
        IbkrFlexImporter().parse("<FlexQueryResponse><Trades><Trade symbol='x'</Trades>")


def test_bad_attribute_is_a_row_error() -> None:
    xml = (
        '<FlexQueryResponse>\n<Trade assetCategory="STK" symbol="KO" currency="USD" '
        'dateTime="20240315;162000" buySell="BUY" quantity="1OO" tradePrice="60" />\n'
        "</FlexQueryResponse>"
    )
    result = IbkrFlexImporter().parse(xml)
    assert [(e.row, e.reason) for e in result.errors] == [(2, "the quantity '1OO' is not a number")]
