"""From the trader's filters to a query: strategy words to structure names, New York dates to
UTC instants."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Final

from aicoach.journal.errors import JournalInputError
from aicoach.journal.repository import TradeQuery
from aicoach.journal.schemas import TradeFilters
from aicoach.kit.clock import NEW_YORK
from aicoach.options.core.strategies import StrategyName

#: Family names a filter (or the coach) may use for several structures.
FAMILIES: Final[dict[str, tuple[str, ...]]] = {
    "condor": ("iron_condor",),
    "butterfly": ("call_butterfly", "put_butterfly", "iron_butterfly"),
    "straddle": ("long_straddle", "short_straddle"),
    "strangle": ("long_strangle", "short_strangle"),
    "call_spread": ("bull_call_spread", "bear_call_spread"),
    "put_spread": ("bull_put_spread", "bear_put_spread"),
    "credit_spread": ("bear_call_spread", "bull_put_spread"),
    "debit_spread": ("bull_call_spread", "bear_put_spread"),
    "vertical": ("bull_call_spread", "bear_call_spread", "bull_put_spread", "bear_put_spread"),
    "spread": ("bull_call_spread", "bear_call_spread", "bull_put_spread", "bear_put_spread",
               "calendar_spread", "diagonal_spread"),
    "call": ("long_call", "short_call", "covered_call"),
    "put": ("long_put", "short_put", "cash_secured_put", "protective_put"),
    "stock": ("long_stock", "short_stock"),
    "wheel": ("cash_secured_put", "short_put", "covered_call", "long_stock"),
}  # fmt: skip
STRUCTURES: Final = frozenset(s.value for s in StrategyName)


def strategies(text: str | None) -> frozenset[str] | None:
    """Structure names of ``iron_condor``, ``credit_spread``, ``long_call,short_put`` …"""
    if text is None:
        return None
    out: set[str] = set()
    for word in text.split(","):
        name = word.strip().lower().replace(" ", "_").replace("-", "_")
        if not name:
            continue
        if name in STRUCTURES:
            out.add(name)
        elif name in FAMILIES:
            out.update(FAMILIES[name])
        elif name.rstrip("s") in FAMILIES or name.rstrip("s") in STRUCTURES:
            out.update(FAMILIES.get(name.rstrip("s"), (name.rstrip("s"),)))
        else:
            known = ", ".join(sorted(STRUCTURES | set(FAMILIES)))
            raise JournalInputError(f"strategy: '{word.strip()[:40]}' is not one I know ({known}).")
    return frozenset(out) or None


def day_start(d: date) -> datetime:
    """Midnight in New York at the start of ``d`` (aware)."""
    return datetime.combine(d, time(0), NEW_YORK)


def to_query(f: TradeFilters) -> TradeQuery:
    return TradeQuery(
        account_id=f.account_id,
        symbols=frozenset({f.symbol.strip().upper()}) if f.symbol else None,
        strategies=strategies(f.strategy),
        tag=f.tag.strip().lower() if f.tag else None,
        status=f.status,
        side=f.side,
        start=day_start(f.from_) if f.from_ is not None else None,
        end=day_start(f.to + timedelta(days=1)) if f.to is not None else None,
    )
