"""Run every ``bench/bench_*.py`` module's ``run(report)`` in one process."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

from bench.harness import Report


def main(selected: list[str]) -> None:
    report = Report()
    here = Path(__file__).parent
    for module in sorted(pkgutil.iter_modules([str(here)]), key=lambda m: m.name):
        if not module.name.startswith("bench_"):
            continue
        if selected and not any(s in module.name for s in selected):
            continue
        print(f"\n== {module.name[6:]} ==", flush=True)
        importlib.import_module(f"bench.{module.name}").run(report)


if __name__ == "__main__":
    main(sys.argv[1:])
