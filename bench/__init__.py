"""Benchmarks: ``make bench`` runs ``python -m bench``; every figure is a ratio against a baseline
measured in the same process, never an absolute time asserted anywhere."""
