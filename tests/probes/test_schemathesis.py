"""Property-based fuzzing of the whole JSON API from ``/openapi.json``, authenticated both ways a
client can be (a Bearer API token; a browser's session cookie with its CSRF header): no input
yields a server error, and every response matches the schema the API documents for it.

Two passes against a live uvicorn server: every operation on its own, then schemathesis' state
machine, which chains operations through the links it infers (``POST /api/positions`` → the id
→ ``GET``/``PATCH``/``DELETE /api/positions/{position_id}``), so the fuzzing reaches real rows.
Each prints its counts. (Driven through hypothesis directly: schemathesis' pytest plugin does
not yet support pytest 9.)
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import FlakyStrategyDefinition
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from tests.helpers.users import signup_user
from tests.probes.routes import Report

EXAMPLES_PER_OPERATION = 20
STATEFUL_SCENARIOS = 40
BATCHES = 4
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
Auth = Callable[[], dict[str, str]]


async def _auths(live_url: str) -> dict[str, Auth]:
    """``name → headers``: a Bearer token, and a browser session (cookie + CSRF header; the
    cookie jar stays with the client the lambda closes over)."""
    browser = httpx.AsyncClient(base_url=live_url)
    user = await signup_user(browser, "fuzz@example.com", "fuzzing passphrase 1")
    token = await user.new_token("schemathesis")
    cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
    csrf = user.csrf
    await browser.aclose()
    return {
        "bearer token": lambda: {"Authorization": f"Bearer {token}"},
        "session cookie": lambda: {"Cookie": cookie, "X-CSRF-Token": csrf},
    }


def _failure(case: Any, response: Any, error: BaseException) -> str:
    first = str(error).strip().splitlines()[:3]
    return f"{case.method} {case.formatted_path} → {response.status_code}: {' | '.join(first)}"


def _fuzz_operation(operation: Any, headers: dict[str, str], found: list[str],
                    counts: Counter[str]) -> None:  # fmt: skip
    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def check(case: Any) -> None:
        response = case.call(headers=headers, timeout=30)
        counts["requests"] += 1
        counts[f"{response.status_code // 100}xx"] += 1
        try:
            case.validate_response(response, checks=CHECKS)
        except Exception as error:  # collected, reported together below
            found.append(_failure(case, response, error))

    check()


@pytest.mark.slow
@pytest.mark.parametrize("auth", ["bearer token", "session cookie"])
async def test_every_operation_fuzzed(live_url: str, auth: str, report: Report) -> None:
    headers = (await _auths(live_url))[auth]()
    schema = schemathesis.openapi.from_url(f"{live_url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    found: list[str] = []
    counts: Counter[str] = Counter(operations=len(operations))
    for operation in operations:
        await asyncio.to_thread(_fuzz_operation, operation, headers, found, counts)
    counts["failures"] = len(found)
    report(f"schemathesis, every operation ({auth}): {dict(counts)}")
    assert len(operations) >= 40
    assert not found, "\n".join(dict.fromkeys(found))


@pytest.mark.slow
@pytest.mark.parametrize("auth", ["bearer token", "session cookie"])
async def test_chained_operations_fuzzed(live_url: str, auth: str, report: Report) -> None:
    headers = (await _auths(live_url))[auth]()
    schema = schemathesis.openapi.from_url(f"{live_url}/openapi.json")
    found: list[str] = []
    counts: Counter[str] = Counter()
    reached: set[str] = set()
    base = schema.as_state_machine()

    class Chained(base):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": headers, "timeout": 30}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            counts["requests"] += 1
            counts[f"{response.status_code // 100}xx"] += 1
            if response.status_code < 300:
                reached.add(f"{case.method} {case.operation.path}")
            try:
                case.validate_response(response, checks=CHECKS)
            except Exception as error:  # collected, reported together below
                found.append(_failure(case, response, error))

    # Generate only, failures collected above rather than raised and shrunk. Hypothesis still
    # re-draws prefixes of earlier scenarios, and a re-draw against rows the server has since
    # changed is "flaky" to it: such a batch ends early, is counted, and the next one starts.
    batch = settings(max_examples=STATEFUL_SCENARIOS // BATCHES, deadline=None, database=None,
                     stateful_step_count=6, phases=[Phase.generate],
                     suppress_health_check=list(HealthCheck))  # fmt: skip
    for _ in range(BATCHES):
        try:
            await asyncio.to_thread(Chained.run, settings=batch)
            counts["batches run through"] += 1
        except FlakyStrategyDefinition:
            counts["batches ended early by a re-draw"] += 1
    counts["operations answered 2xx"] = len(reached)
    counts["failures"] = len(found)
    report(f"schemathesis, chained operations ({auth}): {dict(counts)}")
    assert counts["batches run through"] > 0 and counts["2xx"] > 0, "the chains reached no row"
    assert not found, "\n".join(dict.fromkeys(found))
