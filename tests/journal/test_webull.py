from __future__ import annotations

import pytest

from aicoach.journal.importers.webull import WebullImporter
from tests.journal.importers_helpers import FIXTURES, check

HERE = FIXTURES / "webull"


@pytest.mark.parametrize(
    "name", ["Webull_Orders_Records_Options.csv", "Webull_Orders_Records.csv", "broken_rows.csv"]
)
def test_fixture(name: str) -> None:
    check(WebullImporter(), HERE / name)
