"""The parsing helpers: money, dates and every broker's instrument notation."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from aicoach.journal.importers._dates import parse_date, parse_datetime
from aicoach.journal.importers._symbols import (
    any_option,
    from_ibkr,
    from_occ,
    from_parts,
    from_robinhood,
    from_schwab,
    from_tos_text,
    from_webull,
    stock,
)
from aicoach.journal.importers._text import RowProblem, csv_rows, is_formula, number


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("(1,234.56)", "-1234.56"),
        ("-$1,234.56", "-1234.56"),
        ("$-1,234.56", "-1234.56"),
        ("$1.90 ", "1.90"),
        (".43", "0.43"),
        ("+2", "2"),
        ("-0.0166", "-0.0166"),
        ('"$1,229.92 "', None),
        ("($1,410.00)", "-1410.00"),
        ("1,000", "1000"),
        ("10,300.00", "10300.00"),
    ],
)
def test_money(cell: str, value: str | None) -> None:
    if value is None:
        with pytest.raises(RowProblem):
            number(cell, "amount")
    else:
        assert number(cell, "amount") == Decimal(value)


@pytest.mark.parametrize("cell", ["", "--", "-", "N/A", "  "])
def test_no_value(cell: str) -> None:
    assert number(cell, "fees") is None


@pytest.mark.parametrize(
    ("cell", "formula"),
    [
        ("=1+2", True),
        ("+SUM(A1:A3)", True),
        ("-2+3", True),
        ("@SUM(A1)", True),
        ("\t=1", True),
        ("\rX", True),
        ('=HYPERLINK("http://x")', True),
        ("-12.5", False),
        ("+2", False),
        ("AAPL", False),
        ("", False),
    ],
)
def test_formula_cells(cell: str, formula: bool) -> None:
    assert is_formula(cell) is formula


def test_a_formula_in_a_number_field_is_a_row_problem_in_words() -> None:
    with pytest.raises(RowProblem, match="the price '=1\\+2' looks like a spreadsheet formula"):
        number("=1+2", "price")


def test_quoted_multiline_cells_trailing_commas_and_blank_lines() -> None:
    text = 'a,b,\n\n"x\ny",2,\n3,4,\n'
    rows = list(csv_rows(text))
    assert [(line, cells) for line, cells, _ in rows] == [
        (1, ["a", "b", ""]),
        (3, ["x\ny", "2", ""]),
        (5, ["3", "4", ""]),
    ]
    assert rows[1][2] == '"x\ny",2,'


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("3/15/24", date(2024, 3, 15)),
        ("03/15/2024", date(2024, 3, 15)),
        ("2024-03-15", date(2024, 3, 15)),
        ("20240315", date(2024, 3, 15)),
        ("15 MAR 24", date(2024, 3, 15)),
        ("15MAR24", date(2024, 3, 15)),
        ("1/2/99", date(1999, 1, 2)),
    ],
)
def test_dates(text: str, day: date) -> None:
    assert parse_date(text) == day


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2024-08-16T15:57:13+0200", datetime(2024, 8, 16, 13, 57, 13, tzinfo=UTC)),
        ("2025-08-06, 15:32:56", datetime(2025, 8, 6, 19, 32, 56, tzinfo=UTC)),
        ("20190212;154155", datetime(2019, 2, 12, 20, 41, 55, tzinfo=UTC)),
        ("8/14/17 15:23:00", datetime(2017, 8, 14, 19, 23, tzinfo=UTC)),
        ("03/06/2026 10:38:29 EST", datetime(2026, 3, 6, 15, 38, 29, tzinfo=UTC)),
        ("09/30/2022 10:35:01 EDT", datetime(2022, 9, 30, 14, 35, 1, tzinfo=UTC)),
        ("02/19/2020 11:00 PM", datetime(2020, 2, 20, 4, 0, tzinfo=UTC)),
    ],
)
def test_datetimes_in_new_york_or_their_own_offset(text: str, utc: datetime) -> None:
    assert parse_datetime(text, "America/New_York") == utc


SCHG = "SCHG  240920C00099000"


@pytest.mark.parametrize(
    ("parsed", "key", "underlying"),
    [
        (lambda: from_occ("SCHG  240920C00099000"), SCHG, "SCHG"),
        (lambda: from_occ("GLD260320P00457000"), "GLD   260320P00457000", "GLD"),
        (lambda: from_occ("SPXW260310C06950000"), "SPXW  260310C06950000", "SPX"),
        (lambda: from_parts("NFLX", "1 SEP 17", "165", "PUT"), "NFLX  170901P00165000", "NFLX"),
        (
            lambda: from_tos_text("BOT +2 AAPL 100 (Weeklys) 4 AUG 17 137 PUT @1.18")[0],  # type: ignore[index]
            "AAPL  170804P00137000",
            "AAPL",
        ),
        (lambda: from_ibkr("ARKK 19SEP25 80 C"), "ARKK  250919C00080000", "ARKK"),
        (lambda: from_schwab("MAR 12/28/2018 112.00 C"), "MAR   181228C00112000", "MAR"),
        (lambda: from_robinhood("SOFI 8/4/2023 Call $12.00"), "SOFI  230804C00012000", "SOFI"),
        (
            lambda: from_robinhood("Option Expiration for NVDA 10/20/2023 Call $427.50"),
            "NVDA  231020C00427500",
            "NVDA",
        ),
        (
            lambda: from_webull("SPY 09/30/2022 00:00:00 EDT Call $364.00"),
            "SPY   220930C00364000",
            "SPY",
        ),
        (lambda: any_option("VIXW260303C00019000"), "VIXW  260303C00019000", "VIX"),
    ],
)
def test_every_notation(parsed, key: str, underlying: str) -> None:  # type: ignore[no-untyped-def]
    instrument = parsed()
    assert instrument.key == key
    assert instrument.underlying == underlying
    assert instrument.multiplier == 100


def test_mini_options_keep_their_multiplier() -> None:
    found = from_tos_text("SOLD -1 AAPL 10 20 SEP 24 230 CALL @1.10")
    assert found is not None and found[0].multiplier == 10


def test_stock_tickers_and_bad_symbols() -> None:
    assert stock("brk.b").key == "BRK.B"
    with pytest.raises(RowProblem, match="formula"):
        stock("=cmd|'/C calc'!A0")
    with pytest.raises(RowProblem, match="strike '45O' is not a number"):
        from_parts("AAPL", "15 MAR 24", "45O", "CALL")
