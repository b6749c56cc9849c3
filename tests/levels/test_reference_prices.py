"""One truth per number: the quote's prior close and the levels' prior day close are the same
number at every hour of the week (both come from the calendar's reference session)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from aicoach.kit.clock import NEW_YORK as ET
from aicoach.levels.core.models import LevelKind
from aicoach.levels.service import LevelsService
from aicoach.marketdata.calendar import MarketCalendar
from aicoach.marketdata.service import MarketDataService
from aicoach.simulation.provider import SimulatedMarketData

CAL = MarketCalendar()
INSTANTS = {
    "pre-market": datetime(2026, 12, 1, 7, 30, tzinfo=ET),
    "regular": datetime(2026, 12, 1, 11, 0, tzinfo=ET),
    "after-hours": datetime(2026, 12, 1, 17, 30, tzinfo=ET),
    "overnight": datetime(2026, 12, 1, 22, 0, tzinfo=ET),
    "saturday": datetime(2026, 11, 28, 10, 0, tzinfo=ET),
    "thanksgiving": datetime(2026, 11, 26, 12, 0, tzinfo=ET),
}
#: The session whose close is the prior close at each instant.
PRIOR = {
    "pre-market": date(2026, 11, 30),
    "regular": date(2026, 11, 30),
    "after-hours": date(2026, 11, 30),
    "overnight": date(2026, 12, 1),
    "saturday": date(2026, 11, 27),
    "thanksgiving": date(2026, 11, 25),
}


@pytest.mark.parametrize("when", sorted(INSTANTS))
async def test_quote_prior_close_equals_levels_prior_day_close(when: str) -> None:
    now = INSTANTS[when]
    sim = SimulatedMarketData(7, CAL, now=lambda: now)
    market = MarketDataService(sim, CAL, clock=lambda: now)
    assert CAL.previous_session(CAL.reference_session(now).date).date == PRIOR[when]
    quote = (await market.quote("SPY")).value
    report = await LevelsService(market).compute("SPY", now)
    prior_close = [lv for lv in report.levels.all_levels() if lv.kind is LevelKind.PRIOR_DAY_CLOSE]
    assert len(prior_close) == 1
    assert quote.prev_close == pytest.approx(prior_close[0].price, abs=1e-9)
