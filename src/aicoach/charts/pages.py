"""The Chart tab's HTMX partial and its registration in the shell's tab registry.

The partial is static markup wired by ``data-*`` attributes; ``static/js/charts/tab.js`` does the
rest against the JSON APIs (``/api/market/...``, ``/api/levels/...``, ``/api/watchlist``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from aicoach.accounts.deps import CurrentUser
from aicoach.levels.core.models import GROUPS
from aicoach.marketdata.models import Timeframe
from aicoach.plugin import Tab

router = APIRouter(include_in_schema=False)

TAB = Tab(id="chart", title="Chart", url="/tabs/chart", order=10, icon="candles")
DEFAULT_SYMBOL = "SPY"

#: Level groups as the toggles name them, in the engine's display order. Pivots start off: three
#: periods × seven names crowd the price axis; one click brings them back.
_GROUP_LABELS: dict[str, str] = {
    "prior_periods": "Prior periods",
    "premarket": "Pre-market",
    "opening_range": "Opening range",
    "pivots": "Pivots",
    "vwap": "VWAP",
    "atr": "ATR bands",
    "moving_averages": "Moving averages",
    "swing": "Swing S/R",
    "confluence": "Confluence",
}
_OFF_BY_DEFAULT = frozenset({"pivots"})
#: (group key, label, shown by default); a KeyError here means the engine grew a group.
LEVEL_GROUPS: tuple[tuple[str, str, bool], ...] = tuple(
    (g, _GROUP_LABELS[g], g not in _OFF_BY_DEFAULT) for g in GROUPS
)

TIMEFRAMES: tuple[Timeframe, ...] = tuple(Timeframe)


@router.get("/tabs/chart")
async def chart_tab(request: Request, _: CurrentUser) -> Response:
    context = {
        "default_symbol": DEFAULT_SYMBOL,
        "timeframes": [tf.value for tf in TIMEFRAMES],
        "default_timeframe": Timeframe.M5.value,
        "level_groups": LEVEL_GROUPS,
    }
    response: Response = request.app.state.templates.TemplateResponse(
        request, "charts/_tab.html", context
    )
    return response
