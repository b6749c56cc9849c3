"""Plain-English explanations of Greeks, strategies and level concepts for the offline coach.

Entries contain NO digits on purpose: the coach's rule is that every number it writes comes
from a tool result of the same turn, and a glossary answer calls no tool. A test enforces it.
``lookup(text)`` finds the longest alias in lower-cased text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Entry:
    title: str
    body: str
    aliases: tuple[str, ...]


ENTRIES: Final[dict[str, Entry]] = {
    e.aliases[0]: e
    for e in (
        Entry(
            "Delta",
            "Delta is how much an option's price moves when the underlying moves by "
            "one dollar. A call's delta runs from zero to one and a put's from minus one to "
            "zero, so a position's delta reads as a number of shares: it is your directional "
            "exposure. Traders also use an option's delta as a rough market-implied chance "
            "of finishing in the money.",
            ("delta", "deltas"),
        ),
        Entry(
            "Gamma",
            "Gamma is how fast delta changes as the underlying moves. It is largest "
            "for at-the-money options close to expiration. Long options have positive gamma "
            "(moves help you); short options have negative gamma (big moves hurt, and delta "
            "swings fastest near expiration).",
            ("gamma",),
        ),
        Entry(
            "Theta",
            "Theta is time decay: how much an option's value changes as one calendar "
            "day passes with everything else unchanged. Long options lose value every day; "
            "short options collect it. Decay speeds up in the last weeks before expiration, "
            "especially at the money.",
            ("theta", "time decay", "decay"),
        ),
        Entry(
            "Vega",
            "Vega is how much an option's price changes when implied volatility moves "
            "by one point. Long options gain when implied volatility rises; short premium "
            "positions gain when it falls. Longer-dated options carry more vega.",
            ("vega",),
        ),
        Entry(
            "Rho",
            "Rho is the sensitivity of an option's price to interest rates. It matters "
            "most for long-dated options such as LEAPS and is usually the smallest Greek.",
            ("rho",),
        ),
        Entry(
            "The Greeks",
            "The Greeks measure how an option's price reacts to its inputs: "
            "delta to the underlying's price, gamma to changes in delta, theta to the "
            "passing of time, vega to implied volatility and rho to interest rates.",
            ("greeks", "the greeks", "option greeks"),
        ),
        Entry(
            "Implied volatility",
            "Implied volatility (IV) is the volatility the market is "
            "pricing into an option, quoted as an annual percentage. High IV means expensive "
            "options and larger expected moves; it often rises before events like earnings "
            "and falls right after them (an IV crush).",
            ("implied volatility", "iv", "implied vol", "iv crush", "volatility"),
        ),
        Entry(
            "Iron condor",
            "An iron condor sells an out-of-the-money put spread and an "
            "out-of-the-money call spread on the same expiration. You collect a credit and "
            "profit if the underlying stays between the short strikes; the loss is capped "
            "by the long wings. It is short vega and collects theta.",
            ("iron condor", "condor", "iron condors"),
        ),
        Entry(
            "Iron butterfly",
            "An iron butterfly sells an at-the-money straddle and buys an "
            "out-of-the-money put and call as wings. It collects a larger credit than a "
            "condor but profits in a narrower range around the short strike.",
            ("iron butterfly", "iron fly"),
        ),
        Entry(
            "Butterfly",
            "A butterfly buys one option, sells two at a middle strike and buys "
            "one further out, all the same type and expiration. It is a cheap, defined-risk "
            "bet that the underlying finishes near the middle strike.",
            ("butterfly", "butterfly spread", "fly"),
        ),
        Entry(
            "Straddle",
            "A straddle is a call and a put at the same strike and expiration. "
            "Buying it bets on a big move either way (long vega and gamma); selling it bets "
            "on a quiet market and carries large, undefined risk.",
            ("straddle", "long straddle", "short straddle"),
        ),
        Entry(
            "Strangle",
            "A strangle is an out-of-the-money put and an out-of-the-money call on "
            "the same expiration. It is cheaper than a straddle when bought and needs a "
            "bigger move; sold, it collects premium with undefined risk on both sides.",
            ("strangle", "short strangle", "long strangle"),
        ),
        Entry(
            "Vertical spread",
            "A vertical spread buys one option and sells another of the "
            "same type and expiration at a different strike. Debit spreads (bull call, bear "
            "put) pay to bet on direction; credit spreads (bull put, bear call) collect "
            "premium. Both gain and risk are capped by the strike width.",
            ("vertical spread", "vertical", "spread", "credit spread", "debit spread"),
        ),
        Entry(
            "Bull call spread",
            "A bull call spread buys a call and sells a higher-strike "
            "call on the same expiration. It costs a debit, profits if the underlying rises, "
            "and both the maximum gain and the maximum loss are known up front.",
            ("bull call spread", "call debit spread"),
        ),
        Entry(
            "Bear put spread",
            "A bear put spread buys a put and sells a lower-strike put on "
            "the same expiration: a defined-risk bearish bet paid for with a debit.",
            ("bear put spread", "put debit spread"),
        ),
        Entry(
            "Bull put spread",
            "A bull put spread sells a put and buys a lower-strike put: it "
            "collects a credit and profits if the underlying stays above the short strike.",
            ("bull put spread", "put credit spread"),
        ),
        Entry(
            "Bear call spread",
            "A bear call spread sells a call and buys a higher-strike "
            "call: it collects a credit and profits if the underlying stays below the short "
            "strike.",
            ("bear call spread", "call credit spread"),
        ),
        Entry(
            "Covered call",
            "A covered call is stock you own plus a call you sell against it. "
            "The premium is income, but your upside is capped at the strike until "
            "expiration.",
            ("covered call", "covered calls"),
        ),
        Entry(
            "Cash-secured put",
            "A cash-secured put sells a put while holding the cash to "
            "buy the shares if assigned. You collect premium and may end up owning the stock "
            "at the strike minus the premium.",
            ("cash secured put", "cash-secured put", "csp", "short put"),
        ),
        Entry(
            "Protective put",
            "A protective put is a put bought against stock you own: "
            "insurance that caps your downside below the strike, paid for with premium.",
            ("protective put", "married put"),
        ),
        Entry(
            "Collar",
            "A collar is stock plus a protective put, paid for (fully or partly) by "
            "selling a call: it limits both the downside and the upside.",
            ("collar",),
        ),
        Entry(
            "Calendar spread",
            "A calendar spread sells a near-dated option and buys a "
            "longer-dated one at the same strike. It profits from the faster decay of the "
            "near option if the underlying stays near the strike, and it is long vega.",
            ("calendar spread", "calendar", "time spread"),
        ),
        Entry(
            "Diagonal spread",
            "A diagonal spread is a calendar spread with different "
            "strikes: a longer-dated option bought and a nearer-dated one sold at another "
            "strike.",
            ("diagonal spread", "diagonal"),
        ),
        Entry(
            "LEAPS",
            "LEAPS are long-dated options, usually expiring more than a year out, "
            "typically in January. They decay slowly and are often used as a stock "
            "substitute.",
            ("leaps", "leap"),
        ),
        Entry(
            "Same-day (zero days to expiration) options",
            "Same-day options expire at the "
            "close of the session you trade them. Gamma and theta are extreme: prices swing "
            "hard with small moves and decay to intrinsic value within hours.",
            ("0dte", "zero dte", "same day options"),
        ),
        Entry(
            "Expiration",
            "An option's expiration is the session after whose close it stops "
            "trading. US equity options have weekly expirations on Fridays and standard "
            "monthly ones on the third Friday of the month; some ETFs list expirations "
            "every trading day.",
            ("expiration", "expiry", "opex", "expirations"),
        ),
        Entry(
            "Assignment",
            "Assignment is when the holder of an option you sold exercises it: "
            "a short call delivers shares at the strike, a short put makes you buy them. "
            "It is most likely for in-the-money options near expiration or before a "
            "dividend.",
            ("assignment", "assigned", "early assignment", "exercise"),
        ),
        Entry(
            "Moneyness",
            "A call is in the money when the underlying is above its strike and "
            "out of the money below it (puts the reverse); at the money means the strike is "
            "near the current price.",
            ("in the money", "out of the money", "at the money", "itm", "otm", "atm", "moneyness"),
        ),
        Entry(
            "Intrinsic and extrinsic value",
            "Intrinsic value is what an option would be "
            "worth if exercised now; extrinsic (time) value is the rest of its price, which "
            "decays to nothing by expiration.",
            ("extrinsic value", "intrinsic value", "time value", "extrinsic", "intrinsic"),
        ),
        Entry(
            "Breakeven",
            "A breakeven is the underlying price at which a position neither "
            "makes nor loses money at expiration.",
            ("breakeven", "break even", "breakevens"),
        ),
        Entry(
            "Probability of profit",
            "Probability of profit (POP) is the model's chance that "
            "a position finishes with any profit at expiration, from implied volatility. It "
            "says nothing about how big the win or loss is.",
            ("probability of profit", "pop"),
        ),
        Entry(
            "Open interest",
            "Open interest is the number of option contracts still open at "
            "a strike. High open interest usually means tighter markets and easier fills.",
            ("open interest", "oi"),
        ),
        Entry(
            "Bid-ask spread",
            "The bid is the best price a buyer offers, the ask the best a "
            "seller accepts. A wide spread is a cost every time you trade; limit orders near "
            "the mid usually fill better.",
            ("bid ask spread", "bid-ask", "bid ask", "mid"),
        ),
        Entry(
            "Support and resistance",
            "Support is a price area where buying has tended to "
            "stop declines; resistance is where selling has tended to cap rallies. The coach "
            "computes them from prior highs and lows, pivots, VWAP, moving averages and "
            "swing points, and areas where several agree (confluence) are the strongest.",
            (
                "support and resistance",
                "support",
                "resistance",
                "key levels",
                "levels",
                "confluence",
            ),
        ),
        Entry(
            "Pivot points",
            "Pivot points are levels computed from the prior period's high, "
            "low and close: a central pivot with resistance levels above it and support "
            "levels below. Floor traders have used them for decades as reference prices.",
            ("pivot points", "pivot", "pivots"),
        ),
        Entry(
            "VWAP",
            "VWAP is the volume-weighted average price of the session: the average "
            "price paid per share today. Institutions benchmark against it, and price often "
            "reacts around it and its deviation bands.",
            ("vwap", "volume weighted average price"),
        ),
        Entry(
            "ATR",
            "The average true range (ATR) is the typical daily range of a stock, "
            "including gaps. It sizes stops and sets expectations for how far price may "
            "move in a day.",
            ("atr", "average true range"),
        ),
        Entry(
            "The wheel",
            "The wheel sells cash-secured puts until assigned, then sells "
            "covered calls on the shares until they are called away, and repeats.",
            ("wheel", "the wheel", "wheel strategy"),
        ),
    )
}

_ALIAS_TO_KEY: Final = {alias: key for key, e in ENTRIES.items() for alias in e.aliases}
_ALIAS_RX: Final = [
    (re.compile(r"(?<![a-z0-9])" + re.escape(a) + r"(?![a-z0-9])"), _ALIAS_TO_KEY[a])
    for a in sorted(_ALIAS_TO_KEY, key=len, reverse=True)
]


def lookup(text: str) -> str | None:
    """The entry key of the longest glossary alias in lower-cased ``text``, or ``None``."""
    for rx, key in _ALIAS_RX:
        if rx.search(text):
            return key
    return None


def explain(key: str) -> str:
    e = ENTRIES[key]
    return f"**{e.title}.** {e.body}"
