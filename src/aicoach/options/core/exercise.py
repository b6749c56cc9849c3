"""Exercise style per option root, and the pricing model that follows from it.

US equity and ETF options (SPY, QQQ, IWM, AAPL, ...) are American-style: the holder may exercise
on any business day. Cash-settled index options are European-style (exercise at expiry only);
the table lists the roots that trade in the US, weeklies and PM-settled series included, since
their roots differ from the index symbol (SPX -> SPXW, NDX -> NDXP). The one index exception in
the table is OEX (S&P 100, American); XEO is its European twin. Anything else is American when it
is a stock or an ETF, European when the data provider says it is an index.

Models: a whole chain is priced with the Bjerksund-Stensland (2002) formula when American
(:mod:`aicoach.options.core.bjerksund`, microseconds per contract); a position's few legs with the
finite-difference solver (:mod:`aicoach.options.core.american`, ~1e-4 accurate, milliseconds
per leg); European options with Black-Scholes-Merton in both cases.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from aicoach.marketdata.models import AssetKind
from aicoach.options.core.american import PricingModel


class ExerciseStyle(StrEnum):
    AMERICAN = "american"
    EUROPEAN = "european"


EXERCISE_STYLES: Final[dict[str, ExerciseStyle]] = {
    # S&P 500 (monthly, weekly/EOM, mini, micro-style) and S&P 100.
    "SPX": ExerciseStyle.EUROPEAN,
    "SPXW": ExerciseStyle.EUROPEAN,
    "XSP": ExerciseStyle.EUROPEAN,
    "XEO": ExerciseStyle.EUROPEAN,
    "OEX": ExerciseStyle.AMERICAN,
    # Nasdaq-100 (monthly, PM-settled weeklies, mini).
    "NDX": ExerciseStyle.EUROPEAN,
    "NDXP": ExerciseStyle.EUROPEAN,
    "XND": ExerciseStyle.EUROPEAN,
    # Russell 2000 (monthly, weeklies, mini).
    "RUT": ExerciseStyle.EUROPEAN,
    "RUTW": ExerciseStyle.EUROPEAN,
    "MRUT": ExerciseStyle.EUROPEAN,
    # Cboe volatility index and the Dow.
    "VIX": ExerciseStyle.EUROPEAN,
    "VIXW": ExerciseStyle.EUROPEAN,
    "DJX": ExerciseStyle.EUROPEAN,
}
"""Roots whose style is not the default (American); index symbols as US exchanges list them."""

_PREFIXES: Final = ("I:", "^", "$", ".")


def option_root(symbol: str) -> str:
    """``symbol`` without index decorations (``I:SPX``, ``^SPX``, ``$SPX`` -> ``SPX``)."""
    root = symbol.strip().upper()
    for prefix in _PREFIXES:
        if root.startswith(prefix):
            root = root[len(prefix) :]
    return root


def exercise_style(symbol: str, kind: AssetKind | None = None) -> ExerciseStyle:
    """The exercise style of ``symbol``'s options: the table, else European for an index and
    American for a stock or an ETF (or when the kind is unknown)."""
    found = EXERCISE_STYLES.get(option_root(symbol))
    if found is not None:
        return found
    return ExerciseStyle.EUROPEAN if kind is AssetKind.INDEX else ExerciseStyle.AMERICAN


def chain_model(style: ExerciseStyle) -> PricingModel:
    """The model of a whole chain's IVs and Greeks."""
    return PricingModel.BS2002_AMERICAN if style is ExerciseStyle.AMERICAN else (
        PricingModel.BSM_EUROPEAN)  # fmt: skip


def position_model(style: ExerciseStyle) -> PricingModel:
    """The model of a position's legs (analysis, risk graph)."""
    return PricingModel.FD_AMERICAN if style is ExerciseStyle.AMERICAN else (
        PricingModel.BSM_EUROPEAN)  # fmt: skip
