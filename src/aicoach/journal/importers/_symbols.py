"""Instruments from every broker's notation → ``journal.core.Instrument``.

==============  =====================================================  ===========================
notation        example                                                used by
==============  =====================================================  ===========================
OCC padded      ``SCHG  240920C00099000`` (root padded to 6)           tastytrade, IBKR Flex
OCC unpadded    ``GLD260320P00457000``                                 Webull
TOS columns     ``NFLX`` + ``1 SEP 17`` + ``165`` + ``PUT``            thinkorswim trade history
TOS text        ``AAPL 100 (Weeklys) 4 AUG 17 137 PUT`` (100 = mult.)  thinkorswim cash balance
IBKR            ``ARKK 19SEP25 80 C``                                  IBKR Activity Statement
Schwab          ``MAR 12/28/2018 112.00 C``                            Schwab
Robinhood       ``SOFI 8/4/2023 Call $12.00``                          Robinhood
Webull          ``SPY 09/30/2022 00:00:00 EDT Call $364.00``           Webull (2022)
==============  =====================================================  ===========================

Strikes are dollars; the multiplier is 100 unless the file says otherwise (mini options: 10).
Index roots map to their underlying (``SPXW`` → ``SPX``); the OCC key keeps the listed root.
Parsed symbols are cached: an export names the same few hundred contracts again and again.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from aicoach.journal.core.executions import AssetKind, Instrument
from aicoach.journal.importers._dates import MONTHS, _date
from aicoach.journal.importers._text import RowProblem, is_formula
from aicoach.marketdata.models import OptionRight

DEFAULT_MULTIPLIER = 100
#: Option roots listed under another name than their underlying.
INDEX_ROOTS = {
    "SPXW": "SPX",
    "SPXQ": "SPX",
    "NDXP": "NDX",
    "RUTW": "RUT",
    "VIXW": "VIX",
    "XSPW": "XSP",
    "DJXW": "DJX",
    "MRUT": "RUT",
}
_OCC = re.compile(r"([A-Z][A-Z0-9.]{0,5})\s*(\d{2})(\d{2})(\d{2})([CP])(\d{8})")
_TOS_TEXT = re.compile(
    r"([A-Z][A-Z0-9./]*) (\d+)(?: \([^)]*\)| \[[^\]]*\])* (\d{1,2} [A-Z]{3} \d{2}) "
    r"(\d*\.?\d+) (CALL|PUT)"
)
_IBKR = re.compile(r"(\S+(?: \S+)*?) (\d{2}[A-Z]{3}\d{2}) (\d*\.?\d+) ([CP])")
_SCHWAB = re.compile(r"(\S+) (\d{1,2}/\d{1,2}/\d{4}) (\d*\.?\d+) ([CP])")
_ROBINHOOD = re.compile(
    r"(?:Option Expiration for )?(\S+) (\d{1,2}/\d{1,2}/\d{4}) (Call|Put) \$([\d,]*\.?\d+)"
)
_WEBULL = re.compile(
    r"(\S+) (\d{1,2}/\d{1,2}/\d{4})(?: \d{2}:\d{2}:\d{2} [A-Z]{3})? (Call|Put) \$([\d,]*\.?\d+)"
)
_TICKER = re.compile(r"[A-Z][A-Z0-9]{0,9}(?:[./ ][A-Z0-9]{1,3})?")
_CUSIP = re.compile(r"[0-9][0-9A-Z]{8}")


def underlying_of(root: str) -> str:
    return INDEX_ROOTS.get(root, root)


def _strike(text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", "").replace("$", ""))
    except InvalidOperation:
        raise RowProblem(f"the strike '{text}' is not a number") from None
    if value <= 0 or not value.is_finite():
        raise RowProblem(f"the strike '{text}' is not a positive number")
    return value


def _right(text: str) -> OptionRight:
    letter = text.strip().upper()[:1]
    if letter == "C":
        return OptionRight.CALL
    if letter == "P":
        return OptionRight.PUT
    raise RowProblem(f"'{text}' is neither a call nor a put")


def option(
    root: str,
    expiration: date,
    strike: Decimal,
    right: OptionRight,
    multiplier: int = DEFAULT_MULTIPLIER,
    underlying: str | None = None,
) -> Instrument:
    root = root.strip().upper()
    if len(root) > 6:
        raise RowProblem(f"the option root '{root}' is longer than 6 characters")
    return Instrument(
        kind=AssetKind.OPTION,
        underlying=(underlying or underlying_of(root)).upper(),
        root=root,
        expiration=expiration,
        strike=strike,
        right=right,
        multiplier=multiplier,
    )


@lru_cache(maxsize=16384)
def stock(symbol: str) -> Instrument:
    ticker = symbol.strip().upper()
    if is_formula(symbol):
        raise RowProblem(f"the symbol '{symbol.strip()}' looks like a spreadsheet formula")
    if not _TICKER.fullmatch(ticker):
        raise RowProblem(f"the symbol '{symbol.strip()}' is not a ticker I can read")
    return Instrument(kind=AssetKind.STOCK, underlying=ticker, multiplier=1)


def is_cusip(symbol: str) -> bool:
    return bool(_CUSIP.fullmatch(symbol.strip()))


@lru_cache(maxsize=16384)
def from_occ(symbol: str, multiplier: int = DEFAULT_MULTIPLIER) -> Instrument | None:
    """``SCHG  240920C00099000`` or ``GLD260320P00457000`` → option; ``None`` if not OCC."""
    m = _OCC.fullmatch(symbol.strip().upper())
    if m is None:
        return None
    try:
        expiration = date(2000 + int(m[2]), int(m[3]), int(m[4]))
    except ValueError:
        raise RowProblem(f"the option symbol '{symbol.strip()}' has an impossible date") from None
    strike = Decimal(int(m[6])) / 1000
    return option(m[1], expiration, strike, _right(m[5]), multiplier)


def from_parts(
    root: str,
    expiration: str,
    strike: str,
    right: str,
    multiplier: int = DEFAULT_MULTIPLIER,
) -> Instrument:
    """Separate columns (thinkorswim trade history, IBKR Flex, the generic CSV)."""
    if is_formula(root):
        raise RowProblem(f"the symbol '{root.strip()}' looks like a spreadsheet formula")
    day = _date(expiration.strip())
    if day is None:
        raise RowProblem(f"the expiration '{expiration.strip()}' is not a date I can read")
    return option(root, day, _strike(strike.strip()), _right(right), multiplier)


@lru_cache(maxsize=16384)
def from_tos_text(text: str) -> tuple[Instrument, int] | None:
    """``AAPL 100 (Weeklys) 4 AUG 17 137 PUT`` inside a description → (option, match end)."""
    m = _TOS_TEXT.search(text)
    if m is None:
        return None
    return from_parts(m[1], m[3], m[4], m[5], int(m[2])), m.end()


@lru_cache(maxsize=16384)
def from_ibkr(symbol: str, multiplier: int = DEFAULT_MULTIPLIER) -> Instrument | None:
    m = _IBKR.fullmatch(symbol.strip())
    if m is None:
        return None
    return from_parts(m[1], m[2], m[3], m[4], multiplier)


@lru_cache(maxsize=16384)
def from_schwab(symbol: str) -> Instrument | None:
    m = _SCHWAB.fullmatch(symbol.strip())
    if m is None:
        return None
    return from_parts(m[1], m[2], m[3], m[4])


@lru_cache(maxsize=16384)
def from_robinhood(description: str) -> Instrument | None:
    m = _ROBINHOOD.fullmatch(description.strip())
    if m is None:
        return None
    return from_parts(m[1], m[2], m[4], m[3])


@lru_cache(maxsize=16384)
def from_webull(description: str) -> Instrument | None:
    m = _WEBULL.fullmatch(description.strip())
    if m is None:
        return None
    return from_parts(m[1], m[2], m[4], m[3])


def any_option(symbol: str, multiplier: int = DEFAULT_MULTIPLIER) -> Instrument | None:
    """Try every notation (the generic CSV): OCC, IBKR, Schwab, Robinhood/Webull, TOS text."""
    for parse in (from_occ, from_ibkr):
        found = parse(symbol, multiplier)
        if found is not None:
            return found
    for parse_text in (from_schwab, from_robinhood, from_webull):
        found = parse_text(symbol)
        if found is not None:
            return found
    tos = from_tos_text(symbol)
    return None if tos is None else tos[0]


def month_number(text: str) -> int | None:
    return MONTHS.get(text.upper())
