"""Property-based fuzzing of the whole JSON API from ``/openapi.json``: no input yields a 5xx.

Runs against a live uvicorn server, authenticated with a real API token, so every operation is
reached past authentication; the only check is the one the issue sets — never a server error.
(Driven through hypothesis directly: schemathesis' pytest plugin does not yet support pytest 9.)
"""

from __future__ import annotations

from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.helpers.users import signup_user

EXAMPLES_PER_OPERATION = 30


async def _token(live_url: str) -> str:
    async with httpx.AsyncClient(base_url=live_url) as http:
        user = await signup_user(http, "fuzz@example.com", "fuzzing passphrase 1")
        return await user.new_token("schemathesis")


async def test_no_input_makes_a_server_error(live_url: str) -> None:
    import asyncio

    token = await _token(live_url)
    schema = schemathesis.openapi.from_url(f"{live_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    failures: list[str] = []

    def fuzz(operation: Any) -> None:
        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            response = case.call(headers={"Authorization": f"Bearer {token}"}, timeout=30)
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} → {response.status_code}: "
                    f"{response.text[:300]}"
                )

        check()

    for operation in operations:
        await asyncio.to_thread(fuzz, operation)
    assert not failures, "\n".join(failures[:10])
