"""The simulated market's symbols and the seeding rules that make it reproducible.

Every random stream is ``np.random.default_rng([seed, stable_hash(symbol), stream, *more])``:
the same seed gives the same market on every machine and Python version (``stable_hash`` is a
keyed BLAKE2b digest, never Python's salted ``hash``). Each component of a path (shocks, regime
draws, volume noise, ...) has its own stream and is drawn in one call, so the first ``n`` values
do not depend on how many are drawn: extending the horizon never rewrites the past.

Parameters are annual and decimal (``total_vol = 0.28`` is 28 %/yr); prices are USD at the
anchor session (the first session of 2026) and volumes are shares per regular session.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from enum import IntEnum
from typing import Final

import numpy as np

from aicoach.marketdata.models import AssetKind, SymbolInfo
from aicoach.simulation.listings import OptionProgram

#: Annual volatility of the common market factor (what SPY carries with beta 1).
MARKET_VOL: Final = 0.17
#: Floor for the idiosyncratic volatility (SPY's tracking noise against the factor).
MIN_IDIO_VOL: Final = 0.01


class Stream(IntEnum):
    """Independent random streams; the value is part of the RNG seed, so never renumber."""

    MARKET_SHOCK = 1
    MARKET_REGIME = 2
    IDIO_SHOCK = 3
    OVERNIGHT = 4
    RANGE = 5
    VOLUME = 6
    EARNINGS = 7
    AFTER_HOURS = 8
    INTRADAY = 9
    QUOTE = 10
    CHAIN = 11


def stable_hash(text: str) -> int:
    """A 63-bit hash of ``text`` that is the same in every process (unlike ``hash``)."""
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8, person=b"aicoach-sim").digest()
    return int.from_bytes(digest, "little") >> 1


def rng_for(seed: int, key: str, stream: Stream, *more: int) -> np.random.Generator:
    """The RNG of one component: ``default_rng([seed, stable_hash(key), stream, *more])``."""
    return np.random.default_rng([seed & 0xFFFFFFFFFFFFFFFF, stable_hash(key), int(stream), *more])


@dataclass(frozen=True, slots=True)
class SymbolSpec:
    """How one symbol behaves.

    ``total_vol`` is the long-run annual volatility; the factor part is ``beta · MARKET_VOL`` and
    the idiosyncratic part is the rest (``idio_vol``). ``alpha`` is an annual log drift on top of
    beta times the market. ``earnings_vol`` is the standard deviation of the overnight jump on an
    earnings day (0 for ETFs). ``spread_cents`` is the usual regular-session bid/ask width.
    ``daily_options``: Monday–Friday expirations are listed; ``penny_options``: every option
    quotes in $0.01 steps (otherwise $0.01 under $3 and $0.05 from $3). ``option_volume`` is the
    options traded per day, in contracts over all expirations (typical of early 2026), which
    scales volume and open interest; ``mid_cap`` lists monthlies only (see ``listings``).
    """

    info: SymbolInfo
    anchor_price: float
    total_vol: float
    alpha: float
    adv_shares: float
    spread_cents: int
    earnings_vol: float = 0.0
    daily_options: bool = False
    penny_options: bool = False
    option_volume: float = 1e5
    mid_cap: bool = False

    @property
    def symbol(self) -> str:
        return self.info.symbol

    @property
    def option_program(self) -> OptionProgram:
        if self.info.kind is not AssetKind.STOCK:
            return OptionProgram.index_etf(dailies=self.daily_options)
        return OptionProgram.mid_cap() if self.mid_cap else OptionProgram.liquid_stock()

    @property
    def beta(self) -> float:
        return 1.0 if self.info.beta is None else self.info.beta

    @property
    def idio_vol(self) -> float:
        factor = self.beta * MARKET_VOL
        return max(MIN_IDIO_VOL, math.sqrt(max(self.total_vol**2 - factor**2, 0.0)))


def _etf(symbol: str, name: str, q: float, beta: float, price: float, vol: float,
         adv: float, spread: int, *, daily: bool, options: float) -> SymbolSpec:  # fmt: skip
    return SymbolSpec(
        SymbolInfo(symbol, name, AssetKind.ETF, q, beta, "ARCX"), price, vol, 0.0, adv, spread,
        daily_options=daily, penny_options=daily, option_volume=options,
    )  # fmt: skip


def _stock(symbol: str, name: str, q: float, beta: float, price: float, vol: float,
           alpha: float, adv: float, spread: int, earnings: float, options: float,
           exchange: str = "XNAS", mid_cap: bool = False) -> SymbolSpec:  # fmt: skip
    return SymbolSpec(
        SymbolInfo(symbol, name, AssetKind.STOCK, q, beta, exchange), price, vol, alpha, adv,
        spread, earnings_vol=earnings, option_volume=options, mid_cap=mid_cap,
    )  # fmt: skip


#: The default watchlist. Levels, yields and betas are typical of early 2026.
UNIVERSE: Final[dict[str, SymbolSpec]] = {
    s.symbol: s
    for s in (
        _etf(
            "SPY",
            "SPDR S&P 500 ETF Trust",
            0.013,
            1.0,
            685.0,
            0.17,
            70e6,
            1,
            daily=True,
            options=8e6,
        ),
        _etf(
            "QQQ", "Invesco QQQ Trust", 0.005, 1.15, 615.0, 0.22, 45e6, 1, daily=True, options=3.5e6
        ),
        _etf(
            "IWM",
            "iShares Russell 2000 ETF",
            0.011,
            1.15,
            248.0,
            0.23,
            30e6,
            1,
            daily=True,
            options=1.3e6,
        ),
        _etf(
            "DIA",
            "SPDR Dow Jones Industrial Average ETF",
            0.015,
            0.9,
            482.0,
            0.16,
            3.5e6,
            3,
            daily=False,
            options=4e4,
        ),
        _stock("AAPL", "Apple Inc.", 0.005, 1.15, 271.0, 0.28, 0.03, 50e6, 1, 0.04, 1.2e6),
        _stock(
            "MSFT", "Microsoft Corporation", 0.007, 1.05, 483.0, 0.26, 0.03, 20e6, 2, 0.045, 4e5
        ),
        _stock("NVDA", "NVIDIA Corporation", 0.0003, 1.8, 187.0, 0.50, 0.15, 180e6, 1, 0.08, 2.5e6),
        _stock("AMZN", "Amazon.com, Inc.", 0.0, 1.25, 231.0, 0.34, 0.04, 40e6, 1, 0.07, 7e5),
        _stock("GOOGL", "Alphabet Inc. Class A", 0.003, 1.1, 313.0, 0.31, 0.05, 30e6, 1, 0.06, 5e5),
        _stock("META", "Meta Platforms, Inc.", 0.003, 1.3, 660.0, 0.40, 0.05, 12e6, 5, 0.10, 4e5),
        _stock("TSLA", "Tesla, Inc.", 0.0, 2.0, 450.0, 0.60, 0.05, 90e6, 3, 0.09, 2.5e6),
        _stock(
            "AMD", "Advanced Micro Devices, Inc.", 0.0, 1.8, 214.0, 0.52, 0.08, 45e6, 2, 0.08, 8e5
        ),
        _stock(
            "JPM",
            "JPMorgan Chase & Co.",
            0.019,
            1.05,
            322.0,
            0.25,
            0.03,
            9e6,
            2,
            0.03,
            1.2e5,
            exchange="XNYS",
        ),
        _stock("NFLX", "Netflix, Inc.", 0.0, 1.2, 94.0, 0.40, 0.06, 40e6, 1, 0.09, 3e5),
        _stock("ETSY", "Etsy, Inc.", 0.0, 1.5, 62.0, 0.50, 0.02, 3.5e6, 2, 0.12, 1e4, mid_cap=True),
    )
}


def lookup(symbol: str) -> SymbolSpec | None:
    """The spec of ``symbol`` (case-insensitive), or ``None``."""
    return UNIVERSE.get(symbol.strip().upper())


def search(query: str, limit: int) -> list[SymbolInfo]:
    """Symbols whose ticker starts with ``query`` first, then names containing it."""
    q = query.strip().upper()
    if not q or limit <= 0:
        return []
    by_symbol = [s.info for s in UNIVERSE.values() if s.symbol.startswith(q)]
    by_name = [
        s.info for s in UNIVERSE.values() if q in s.info.name.upper() and s.info not in by_symbol
    ]
    return (sorted(by_symbol, key=lambda i: (len(i.symbol), i.symbol)) + by_name)[:limit]
