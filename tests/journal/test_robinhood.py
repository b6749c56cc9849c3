from __future__ import annotations

from dataclasses import replace

import pytest

from aicoach.journal.importers.robinhood import RobinhoodImporter
from tests.journal.importers_helpers import FIXTURES, check

HERE = FIXTURES / "robinhood"


@pytest.mark.parametrize("name", ["account_activity.csv", "excel_resaved.csv", "broken_rows.csv"])
def test_fixture(name: str) -> None:
    check(RobinhoodImporter(), HERE / name)


def test_identical_rows_stay_distinct_with_numbered_fingerprints() -> None:
    from aicoach.journal.core.executions import content_fingerprint
    from tests.journal.importers_helpers import load

    result = RobinhoodImporter().parse(load(HERE / "account_activity.csv"))
    first, second = (e for e in result.executions if e.instrument.underlying == "TSLA")
    assert replace(second, row=first.row) == first  # same content, another row
    assert first.fingerprint == content_fingerprint(first, 0)
    assert second.fingerprint == content_fingerprint(second, 1)
