"""Retry pacing shared by the Massive and LLM clients (``aicoach.kit.backoff``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from aicoach.kit.backoff import RetryPolicy, jittered_backoff, parse_retry_after


@pytest.mark.parametrize("attempt", range(8))
def test_backoff_is_full_jitter_on_a_capped_doubling(attempt: int) -> None:
    ceiling = min(8.0, 0.5 * 2**attempt)
    waits = [jittered_backoff(attempt, base=0.5, cap=8.0) for _ in range(200)]
    assert all(ceiling / 2 <= w <= ceiling for w in waits)
    assert max(waits) - min(waits) > 0  # jittered, not a fixed schedule


def test_policy_retries_until_used_up_then_gives_up() -> None:
    policy = RetryPolicy(max_retries=2, backoff_base=0.1, backoff_max=1.0)
    assert policy.delay_before_retry(0, None) is not None
    assert policy.delay_before_retry(1, 0.25) == 0.25  # the server's wish wins
    assert policy.delay_before_retry(2, None) is None
    assert policy.delay_before_retry(2, 0.0) is None


def test_policy_does_not_sleep_through_a_long_retry_after() -> None:
    policy = RetryPolicy(max_retries=5, backoff_max=8.0)
    assert policy.delay_before_retry(0, 8.0) == 8.0
    assert policy.delay_before_retry(0, 120.0) is None
    assert policy.wait_hint(0, 120.0) == 120.0  # what the caller passes on as retry_after


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("   ") is None
    assert parse_retry_after("soon") is None
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    seconds = parse_retry_after(later)
    assert seconds is not None
    assert 85 <= seconds <= 90
    past = format_datetime(datetime.now(UTC) - timedelta(hours=1), usegmt=True)
    assert parse_retry_after(past) == 0.0
