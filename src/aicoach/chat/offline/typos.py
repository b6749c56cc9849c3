"""Misspelt request words, corrected before any skill reads the message.

``correct_typos(text)`` lower-cases ``text`` and replaces each word of four letters or more
that is no known word, name or ticker by the closest word of the vocabulary (``difflib``,
similarity 0.8): "levles" → "levels", "anaylze" → "analyze", "positons" → "positions". The
vocabulary is the words skills match on; a word close to none is left alone.
"""

from __future__ import annotations

import difflib
import re
from typing import Final

from aicoach.chat.offline.symbols import COMMON_WORDS, KNOWN_TICKERS, NAME_TO_TICKER

VOCABULARY: Final = frozenset(
    str.split(
        """levels level support resistance pivots pivot chart charts candles chain chains options
    option expirations expiration expiries expiry analyze analyse analysis positions position
    portfolio greeks delta gamma theta vega market open close closed closing opens price
    quote trading explain condor iron butterfly straddle strangle spread vertical covered
    calendar collar minute minutes hourly daily weekly monthly tomorrow today friday monday
    tuesday wednesday thursday december november october september january february april
    june july august leaps expiring implied volatility bleeds bleeding losing exposure
    status hours session holiday what where show trading performing doing"""
    )
)
_PROTECTED: Final = COMMON_WORDS | VOCABULARY | {n for n in NAME_TO_TICKER if " " not in n}


def correct_typos(text: str) -> str:
    """Lower-case ``text`` with misspelt request words replaced by the closest vocabulary word."""
    out: list[str] = []
    for token in re.split(r"(\W+)", text.lower()):
        if (
            len(token) >= 4
            and token.isalpha()
            and token not in _PROTECTED
            and token.upper() not in KNOWN_TICKERS
        ):
            close = difflib.get_close_matches(token, VOCABULARY, n=1, cutoff=0.8)
            if close:
                token = close[0]
        out.append(token)
    return "".join(out)
