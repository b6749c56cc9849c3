"""Numbers in words a trader reads: ``count(1, "day")`` is "1 day", never "1 days"."""

from __future__ import annotations


def count(n: float, unit: str, *, decimals: int = 0, plural: str | None = None) -> str:
    """``n`` formatted (thousands separated, ``decimals`` places) and ``unit``, singular exactly
    when the printed number is "1" (so 0.6 days to expiry, printed as "1", is "1 day")."""
    text = f"{n:,.{decimals}f}"
    return f"{text} {unit if text in ('1', '-1') else (plural or unit + 's')}"
