"""What operators watch of the background work: job run time and failures by job, and the
outbox's backlog (rows not yet done) with the age of the oldest — the lag a trader feels when
an import or an alert waits.

The backlog gauges are sampled by the relay (every sweep), not at scrape time: a scrape must
never wait on the database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

from prometheus_client import Counter, Gauge, Histogram

from aicoach.observability.metrics import LATENCY_BUCKETS, REGISTRY

JOB_DURATION: Final = Histogram(
    "aicoach_job_duration_seconds",
    "Job runs (one delivery each), by job, in seconds.",
    ("job",),
    buckets=LATENCY_BUCKETS,
    registry=REGISTRY,
)
JOB_FAILURES: Final = Counter(
    "aicoach_job_failures",
    "Job runs that raised, by job (Huey may retry them).",
    ("job",),
    registry=REGISTRY,
)
OUTBOX_BACKLOG: Final = Gauge(
    "aicoach_outbox_backlog",
    "Outbox rows not done yet (waiting to be relayed, or relayed and running).",
    registry=REGISTRY,
)
OUTBOX_OLDEST_AGE: Final = Gauge(
    "aicoach_outbox_oldest_age_seconds",
    "Age of the oldest outbox row not done yet, in seconds (0 when there is none).",
    registry=REGISTRY,
)


def set_backlog(count: int, oldest: datetime | None, now: datetime) -> None:
    """Set the backlog gauges (the relay samples them every sweep)."""
    OUTBOX_BACKLOG.set(count)
    if oldest is not None and oldest.tzinfo is None:  # SQLite's MIN() comes back naive UTC
        oldest = oldest.replace(tzinfo=UTC)
    OUTBOX_OLDEST_AGE.set(0.0 if oldest is None else max(0.0, (now - oldest).total_seconds()))
