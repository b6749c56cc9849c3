"""The levels engine's pure core: indicators, pivots, VWAP, swing zones, level tests and the
key-levels engine that combines them.

Vectorised numpy (and numba kernels), no I/O: an import-linter contract in ``pyproject.toml``
guards the whole package, so a new file here is guarded the day it is created.
"""
