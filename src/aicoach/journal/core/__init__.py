"""The journal's pure core: instruments, executions and the round trips built from them.

Plain dataclasses and ``Decimal`` money, no I/O: an import-linter contract guards the package.
"""
