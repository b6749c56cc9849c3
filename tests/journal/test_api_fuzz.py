"""Property-based fuzzing of the journal API from ``/openapi.json`` (schemathesis): no input
yields a server error. Runs on a live server, authenticated with an API token of a trader whose
journal already holds an import, so ids and filters reach real rows."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.helpers.users import signup_user
from tests.journal.api import fixture, import_file, new_account

EXAMPLES_PER_OPERATION = 25


async def _seeded_token(live_url: str) -> str:
    async with httpx.AsyncClient(base_url=live_url, timeout=30) as http:
        user = await signup_user(http, "journal-fuzz@example.com", "fuzzing passphrase 1")
        account = await new_account(user)
        await import_file(user, account["id"], fixture("tastytrade/transactions_2024.csv"))
        return await user.new_token("schemathesis")


async def test_no_journal_input_makes_a_server_error(live_url: str) -> None:
    token = await _seeded_token(live_url)
    schema = schemathesis.openapi.from_url(f"{live_url}/openapi.json")
    operations = [
        op for op in (r.ok() for r in schema.get_all_operations())
        if op.path.startswith("/api/journal")
    ]  # fmt: skip
    assert len(operations) >= 15
    failures: list[str] = []

    def fuzz(operation: Any) -> None:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        def check(case: Any) -> None:
            response = case.call(headers={"Authorization": f"Bearer {token}"}, timeout=30)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} → "
                                f"{response.status_code}: {response.text[:300]}")  # fmt: skip

        check()

    for operation in operations:
        await asyncio.to_thread(fuzz, operation)
    assert not failures, "\n".join(failures[:10])
