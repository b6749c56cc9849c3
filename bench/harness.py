"""Tiny benchmark harness: time callables, print each figure as a ratio against a baseline."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


def best_seconds(fn: Callable[[], object], *, repeat: int = 5, number: int = 1) -> float:
    """Best-of-``repeat`` wall time of ``number`` calls, in seconds per call."""
    fn()  # warm-up: imports, caches, JIT-free but first-touch allocations
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        runs.append((time.perf_counter() - t0) / number)
    return min(runs)


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class Report:
    """Collects and prints lines like ``levels.atr  ours/talib = 1.42x  (goal <= 3x)``."""

    rows: list[tuple[str, str]] = field(default_factory=list)

    def ratio(
        self, name: str, ours_s: float, baseline_s: float, baseline: str, goal: str = ""
    ) -> None:
        ratio = ours_s / baseline_s if baseline_s > 0 else float("inf")
        speed = f"{baseline_s / ours_s:,.1f}x faster" if ratio < 1 else f"{ratio:,.2f}x slower"
        text = (
            f"ours/{baseline} = {ratio:.3f}  ({speed}; ours {ours_s * 1e3:.3f} ms, "
            f"{baseline} {baseline_s * 1e3:.3f} ms)"
        )
        self._add(name, text + (f"  goal: {goal}" if goal else ""))

    def figure(self, name: str, text: str) -> None:
        self._add(name, text)

    def latency(self, name: str, samples_s: list[float], goal: str = "") -> None:
        p50, p99 = percentile(samples_s, 50) * 1e3, percentile(samples_s, 99) * 1e3
        mean = statistics.fmean(samples_s) * 1e3
        text = f"p50 {p50:.2f} ms  p99 {p99:.2f} ms  mean {mean:.2f} ms  n={len(samples_s)}"
        self._add(name, text + (f"  goal: {goal}" if goal else ""))

    def _add(self, name: str, text: str) -> None:
        self.rows.append((name, text))
        print(f"{name:<44} {text}", flush=True)
