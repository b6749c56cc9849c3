"""The session grid the simulated market lives on: XNYS sessions from ``EPOCH`` to the end of the
calendar, as arrays of UTC nanoseconds.

A session's index in this grid is its identity everywhere in the simulation (RNG streams, caches),
so ``EPOCH`` is fixed forever: moving it would change every generated price.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final

import numpy as np
import numpy.typing as npt

from aicoach.marketdata.calendar import MarketCalendar

Int64Array = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: First simulated session (the path starts here; ≥ 5 years of history before 2026).
EPOCH: Final = date(2019, 1, 2)
#: Prices are pinned to the ``UNIVERSE`` anchor prices at the first session on/after this date.
ANCHOR: Final = date(2026, 1, 2)

NS_PER_S: Final = 1_000_000_000
NS_PER_MIN: Final = 60 * NS_PER_S
#: Pre-market opens 5 h 30 min before the 09:30 ET open (04:00 ET); after-hours runs 4 h past the
#: close (20:00 ET, or 17:00 ET after a 13:00 ET early close), per NYSE Arca.
PRE_MINUTES: Final = 330
AFTER_MINUTES: Final = 240


@dataclass(frozen=True, slots=True)
class SessionGrid:
    """Sessions oldest first, in UTC ns: ``pre_ns`` ≤ ``open_ns`` < ``close_ns`` ≤ ``ah_ns``."""

    days: npt.NDArray[np.datetime64]
    open_ns: Int64Array
    close_ns: Int64Array
    pre_ns: Int64Array
    ah_ns: Int64Array
    early: BoolArray
    anchor_index: int

    def __len__(self) -> int:
        return int(self.days.shape[0])

    def regular_minutes(self, i: int) -> int:
        return int((self.close_ns[i] - self.open_ns[i]) // NS_PER_MIN)

    def day(self, i: int) -> date:
        return date(1970, 1, 1) + timedelta(days=int(self.days[i].astype(np.int64)))

    def index_of(self, d: date) -> int:
        """Index of session ``d``, or -1 when ``d`` is not a session in the grid."""
        key = np.datetime64(d, "D")
        i = int(np.searchsorted(self.days, key))
        return i if i < len(self) and self.days[i] == key else -1

    def last_started(self, now_ns: int) -> int:
        """Index of the latest session whose pre-market began at or before ``now_ns`` (-1: none)."""
        return int(np.searchsorted(self.pre_ns, now_ns, side="right")) - 1


def build_grid(calendar: MarketCalendar) -> SessionGrid:
    days, open_ns, close_ns, early = calendar.session_arrays()
    lo = int(np.searchsorted(days, np.datetime64(EPOCH, "D")))
    days, open_ns, close_ns, early = days[lo:], open_ns[lo:], close_ns[lo:], early[lo:]
    anchor_index = int(np.searchsorted(days, np.datetime64(ANCHOR, "D")))
    return SessionGrid(
        days=days,
        open_ns=open_ns,
        close_ns=close_ns,
        pre_ns=open_ns - PRE_MINUTES * NS_PER_MIN,
        ah_ns=close_ns + AFTER_MINUTES * NS_PER_MIN,
        early=early,
        anchor_index=anchor_index,
    )


def to_ns(at: datetime) -> int:
    """Aware datetime → UTC ns (naive datetimes are taken as UTC, the house convention)."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    delta = aware - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * NS_PER_S + delta.microseconds * 1000


def from_ns(ns: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(ns) // 1000)
