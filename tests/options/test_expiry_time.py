from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from aicoach.options.core.expiry import NaiveDatetimeError, t_years, t_years_array

NY = ZoneInfo("America/New_York")


def test_act_365_in_seconds_across_zones_and_dst() -> None:
    now = datetime(2025, 3, 7, 10, 0, tzinfo=NY)  # EST
    close = datetime(2025, 3, 14, 16, 0, tzinfo=NY)  # EDT: the DST switch took one hour
    expected = (7 * 86_400 + 6 * 3_600 - 3_600) / (365 * 86_400)
    assert t_years(now, close) == pytest.approx(expected, rel=1e-15)
    assert t_years(now.astimezone(UTC), close) == pytest.approx(expected, rel=1e-15)
    assert t_years(now, now + timedelta(days=365)) == 1.0


def test_floors_at_zero_after_expiry() -> None:
    close = datetime(2025, 1, 17, 21, 0, tzinfo=UTC)
    assert t_years(close + timedelta(seconds=1), close) == 0.0
    assert t_years(close, close) == 0.0


def test_vectorised_matches_scalar() -> None:
    now = datetime(2025, 6, 2, 14, 30, 15, 123456, tzinfo=UTC)
    closes = [
        datetime(2025, 6, 2, 16, 0, tzinfo=NY),
        datetime(2025, 11, 28, 13, 0, tzinfo=NY),  # early close
        datetime(2027, 1, 15, 16, 0, tzinfo=NY),
        datetime(2025, 5, 30, 16, 0, tzinfo=NY),  # already expired
    ]
    got = t_years_array(now, closes)
    np.testing.assert_allclose(got, [t_years(now, c) for c in closes], rtol=1e-15, atol=0)
    assert got[-1] == 0.0
    as_np = np.array([c.astimezone(UTC).replace(tzinfo=None) for c in closes], "datetime64[us]")
    np.testing.assert_array_equal(t_years_array(now, as_np), got)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(NaiveDatetimeError):
        t_years(datetime(2025, 1, 1), datetime(2025, 1, 2, tzinfo=UTC))
    with pytest.raises(NaiveDatetimeError):
        t_years_array(datetime(2025, 1, 1, tzinfo=UTC), [datetime(2025, 1, 2)])
