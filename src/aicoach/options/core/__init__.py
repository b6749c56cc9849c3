"""The options engine's pure core: pricing, Greeks, IV, expiry time, legs, strategy recognition,
payoff, probability, position analysis and portfolio Greeks.

Vectorised numpy (and numba kernels), no I/O: it imports no database, web, network or market-data
service module — an import-linter contract in ``pyproject.toml`` guards the whole package, so a new
file here is guarded the day it is created.
"""
