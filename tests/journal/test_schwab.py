from __future__ import annotations

import pytest

from aicoach.journal.importers.errors import ImportFileError
from aicoach.journal.importers.schwab import SchwabImporter
from tests.journal.importers_helpers import FIXTURES, check

HERE = FIXTURES / "schwab"


@pytest.mark.parametrize("name", ["Individual_XXX123_Transactions.csv", "broken_rows.csv"])
def test_fixture(name: str) -> None:
    check(SchwabImporter(), HERE / name)


def test_missing_column_is_named() -> None:
    text = '"Date","Action","Symbol","Description","Quantity","Amount",\n'
    with pytest.raises(ImportFileError, match="Price"):
        SchwabImporter().parse(text)
