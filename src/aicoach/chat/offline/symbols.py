"""Find the ticker a trader means in free text.

Rules, in order of trust:

1. ``$SPY`` / ``$spy`` — a cashtag is always a ticker.
2. Company and index names of the common universe: "apple" → AAPL, "the s&p"/"spx" → SPY,
   "nasdaq" → QQQ, "russell" → IWM, "dow" → DIA (typos of names of five letters or more are
   matched with ``difflib``: "nvidea" → NVDA).
3. Known tickers in any case ("spy", "Nvda").
4. A token written in capitals by the trader ("XYZ") that is not a trading abbreviation (IV,
   ATM, DTE, ...), unless the whole message is shouted in capitals.
5. A short word right after "for/on/of/in" that is no English or trading word ("levels for
   xyz") — last resort, so an unknown ticker reaches the tool and gets an honest "unknown
   symbol" instead of being silently ignored.
"""

from __future__ import annotations

import difflib
import re
from typing import Final

#: Tickers the offline coach recognises in lower case (the simulated universe plus a few).
KNOWN_TICKERS: Final = frozenset(
    {
        "SPY", "QQQ", "IWM", "DIA", "AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "GOOG", "META",
        "TSLA", "AMD", "JPM", "NFLX", "XSP", "SMH", "TLT", "GLD", "SLV", "AVGO", "PLTR",
        "MSTR", "UBER", "INTC", "BABA", "SOFI", "XLF", "XLE", "XLK",
    }
)  # fmt: skip

#: Company / index names (lower case, as typed) → ticker. Multi-word names first when matching.
NAME_TO_TICKER: Final[dict[str, str]] = {
    "s&p 500": "SPY", "s&p500": "SPY", "s and p": "SPY", "s&p": "SPY", "sp500": "SPY",
    "spx": "SPY",
    "nasdaq 100": "QQQ", "nasdaq": "QQQ", "ndx": "QQQ",
    "russell 2000": "IWM", "russell": "IWM", "rut": "IWM", "small caps": "IWM",
    "dow jones": "DIA", "dow": "DIA", "djia": "DIA",
    "apple": "AAPL", "microsoft": "MSFT", "nvidia": "NVDA", "amazon": "AMZN",
    "google": "GOOGL", "alphabet": "GOOGL", "meta": "META", "facebook": "META",
    "tesla": "TSLA", "netflix": "NFLX", "jpmorgan": "JPM", "jp morgan": "JPM",
    "advanced micro devices": "AMD", "broadcom": "AVGO", "coinbase": "COIN",
    "palantir": "PLTR", "microstrategy": "MSTR", "intel": "INTC",
}  # fmt: skip

#: Capitalised abbreviations traders write that are not tickers.
NOT_TICKERS: Final = frozenset(
    {
        "I", "A", "AN", "AM", "PM", "ET", "EST", "EDT", "PT", "IV", "HV", "ATM", "OTM", "ITM",
        "DTE", "ODTE", "OK", "US", "USA", "EOD", "EOW", "EOM", "PNL", "PL", "ETF", "ETFS", "LEAPS",
        "LEAP", "VWAP", "ATR", "RSI", "SMA", "EMA", "MA", "AI", "API", "IRA", "FAQ", "CEO", "FOMC",
        "CPI", "PPI", "GDP", "FED", "NYSE", "OPEX", "POP", "RR", "BE", "TP", "SL", "DCA", "YOLO",
        "PUT", "PUTS", "CALL", "CALLS", "BUY", "SELL", "LONG", "SHORT", "WHAT", "HOW", "WHY",
        "WHEN", "THE", "MY", "IS", "IT", "TO", "OF", "ON", "IN", "AT", "FOR", "AND", "OR", "IF",
        "ME", "DO", "SO", "NO", "UP", "BY", "VS", "TA", "PDT", "EPS", "SPAC", "IPO", "GEX", "DEX",
        "HELP", "HI", "HEY", "THX", "LOL", "BTW", "FYI", "IMO", "ASAP", "R", "S", "P",
    }
)  # fmt: skip

#: Words that are never a ticker in rule 5 (and are never "corrected" as typos).
COMMON_WORDS: Final = frozenset(
    str.split(
        """a about after all also am an and any are as at be been before best buy by can could
    current day days do does doing dont down each else end ever every for from get gets give go
    goes going good got had has have he her here hi his how i if im in into is it its just
    last like look looks lot me mine month months more most much my near next no not now of
    off on one only or our out over please put puts quick right same see sell short should
    show so some soon still than that the their them then there these they this those today
    tomorrow too two three four five six seven eight nine ten eleven twelve up us very want
    was we week weeks well were what whats when where which while who why will with would yes
    you your am pm vs ok thanks thank hey hello help level levels chart chain call calls long
    strike strikes price it's trading trade trades does did iv vol year years expiring expiry
    expire expires expiration expirations exp daily weekly monthly hourly minute minutes min
    mins hour hours friday monday tuesday wednesday thursday saturday sunday weekend quote
    options option spread spreads points point percent dte leaps monthlies weeklies gamma theta
    delta vega rho greeks market open close closed session status support resistance pivots
    pivot key big major analyze analyse position positions portfolio condor iron butterfly
    straddle strangle collar covered naked cash secured bull bear debit credit vertical today's
    tonight morning afternoon premarket afterhours new old around near far otm atm itm"""
    )
)

_CASHTAG = re.compile(r"\$([A-Za-z]{1,6}(?:\.[A-Za-z])?)\b")
_WORD = re.compile(r"[A-Za-z][A-Za-z&.]*")
_AFTER_PREP = re.compile(r"\b(?:for|on|of|in)\s+([a-z]{1,5})\b")
_NAME_PATTERNS: Final = sorted(NAME_TO_TICKER, key=len, reverse=True)


def _name_regex(name: str) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z0-9&])" + re.escape(name) + r"(?![a-z0-9&])")


_NAME_RES: Final = [(_name_regex(n), NAME_TO_TICKER[n]) for n in _NAME_PATTERNS]


def find_symbols(text: str) -> list[str]:
    """Every ticker named in ``text``, in order of first appearance, without duplicates."""
    found: list[tuple[int, str]] = []
    for m in _CASHTAG.finditer(text):
        found.append((m.start(), m.group(1).upper()))
    low = text.lower()
    for rx, ticker in _NAME_RES:
        for m in rx.finditer(low):
            found.append((m.start(), ticker))
    shouting = text.upper() == text and any(c.isalpha() for c in text)
    for m in _WORD.finditer(text):
        word = m.group(0).rstrip(".")
        base = re.sub(r"'s$", "", word)
        up = base.upper()
        if up in KNOWN_TICKERS or (
            not shouting
            and base.isupper()
            and base.isalpha()
            and 1 < len(base) <= 5
            and up not in NOT_TICKERS
        ):
            found.append((m.start(), up))
        elif len(base) >= 5 and base.lower() not in COMMON_WORDS:
            close = difflib.get_close_matches(base.lower(), _FUZZY_NAMES, n=1, cutoff=0.8)
            if close:
                found.append((m.start(), NAME_TO_TICKER[close[0]]))
    if not found:
        for m in _AFTER_PREP.finditer(low):
            word = m.group(1)
            if word not in COMMON_WORDS and word not in _NAME_WORDS:
                found.append((m.start(1), word.upper()))
    out: list[str] = []
    for _, sym in sorted(found):
        if sym not in out:
            out.append(sym)
    return out


_FUZZY_NAMES: Final = [n for n in NAME_TO_TICKER if " " not in n and len(n) >= 5]
_NAME_WORDS: Final = frozenset(w for n in NAME_TO_TICKER for w in n.split())


def first_symbol(text: str) -> str | None:
    """The first ticker named in ``text``, or ``None``."""
    symbols = find_symbols(text)
    return symbols[0] if symbols else None
