"""``aicoach_cache_lookups_total{cache,result}``: hit rates of the in-process caches (chain
tables, journal analytics arrays, …), one :class:`CacheMeter` per cache.

The market-data cache has its own, richer family (``aicoach_marketdata_cache_requests_total``,
by op, with stale and backend errors); this one is for the plain memo caches.
"""

from __future__ import annotations

from typing import Final

from prometheus_client import Counter

from aicoach.observability.metrics import REGISTRY

CACHE_LOOKUPS: Final = Counter(
    "aicoach_cache_lookups",
    "In-process cache lookups by cache and result (hit or miss).",
    ("cache", "result"),
    registry=REGISTRY,
)


class CacheMeter:
    """Counts one cache's hits and misses (children bound once: ``labels()`` costs a lock)."""

    __slots__ = ("hit", "miss")

    def __init__(self, cache: str) -> None:
        self.hit = CACHE_LOOKUPS.labels(cache, "hit").inc
        self.miss = CACHE_LOOKUPS.labels(cache, "miss").inc
