"""Time to expiry in years, ACT/365 counted in seconds.

``t_years = max(expiry_close - now, 0) / (365 * 86400 s)``. The expiry close (4:00 pm ET, 1:00 pm
on early-close days) comes from the exchange calendar; this module takes it in as a datetime and
knows no calendar, so it stays pure. Both datetimes must be timezone-aware: a naive datetime has
no defined instant and is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from aicoach.errors import ValidationFailedError
from aicoach.options.core.pricing import FloatArray

SECONDS_PER_YEAR = 365.0 * 86_400.0
_NS_PER_YEAR = 365 * 86_400 * 1_000_000_000


class NaiveDatetimeError(ValidationFailedError):
    """A datetime without a timezone was given where an instant is needed."""

    code = "naive_datetime"


def _require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise NaiveDatetimeError(f"{name} must be timezone-aware, got {value.isoformat()}")


def t_years(now: datetime, expiry_close: datetime) -> float:
    """Years from ``now`` to ``expiry_close`` (ACT/365 in seconds), floored at 0 after expiry."""
    _require_aware(now, "now")
    _require_aware(expiry_close, "expiry_close")
    # Subtracting two datetimes that share a tzinfo object ignores their UTC offsets (wall-clock
    # arithmetic: a DST change would shift T by an hour), so both go to UTC first.
    remaining = expiry_close.astimezone(UTC) - now.astimezone(UTC)
    return max(remaining.total_seconds(), 0.0) / SECONDS_PER_YEAR


def _to_utc_ns(values: Sequence[datetime] | npt.NDArray[np.datetime64]) -> npt.NDArray[np.int64]:
    if isinstance(values, np.ndarray) and np.issubdtype(values.dtype, np.datetime64):
        # numpy datetime64 carries no zone: by the house rule it is UTC.
        return values.astype("datetime64[ns]").astype(np.int64)
    out = np.empty(len(values), dtype=np.int64)
    for i, value in enumerate(values):
        _require_aware(value, f"expiry_closes[{i}]")
        delta = value.astimezone(UTC).replace(tzinfo=None) - datetime(1970, 1, 1)
        out[i] = (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000
    return out


def t_years_array(
    now: datetime, expiry_closes: Sequence[datetime] | npt.NDArray[np.datetime64]
) -> FloatArray:
    """Vectorised :func:`t_years` for many expiries (aware datetimes, or UTC ``datetime64``)."""
    _require_aware(now, "now")
    now_ns = _to_utc_ns([now])[0]
    remaining_ns = np.maximum(_to_utc_ns(expiry_closes) - now_ns, 0)
    # Integer nanoseconds are exact; dividing once keeps the float error to 1 ulp.
    years: FloatArray = remaining_ns.astype(np.float64) / float(_NS_PER_YEAR)
    return years
