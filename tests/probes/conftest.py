"""``report(line)``: a probe's counts, printed in the run's summary ("probe counts") whether the
probe passed or failed — also from xdist workers, through the test report."""

from __future__ import annotations

from collections.abc import Callable

import pytest


@pytest.fixture
def report(request: pytest.FixtureRequest) -> Callable[[str], None]:
    def add(line: str) -> None:
        request.node.user_properties.append(("probe", line))

    return add
