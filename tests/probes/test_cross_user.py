"""The cross-user probe: every route the app serves, attacked by another signed-in user with the
trader's own row ids. Routes come from the app itself, so a route added tomorrow is attacked
tomorrow.

Three findings count as a leak:
* the prober's response shows the trader's marker (any text the trader wrote);
* a row id of the trader's answers the prober differently from an id nobody has (an existence
  oracle: the rule is 404 for both);
* after the attack, the trader's own reads have changed (a write went through).
And two as a gap in the probe itself: a read with a row id that found nothing of the trader's
(seed that slice in ``seed.py``), and a write whose made-up body never reached the row look-up.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from aicoach.config import Settings
from aicoach.main import SLICES, create_app
from tests.factories import signed_up
from tests.helpers.users import UserClient
from tests.probes.leaky_slice import LEAKY
from tests.probes.routes import Report, Route, app_routes, minimal_body
from tests.probes.seed import Book, kind_of_row, listing_routes, seed_book, visible_ids

NOBODYS_NUMBER = 2_000_000_000


def _nobodys(value: int | str) -> int | str:
    """An id of the same kind as ``value`` that no row has."""
    return NOBODYS_NUMBER if isinstance(value, int) else "f" * len(value)


# Path values that are not row ids are public market keys (a symbol): they are read, not owned.
PUBLIC_VALUE = "SPY"
# What an admin may see of other users by design: the user list, invites and the admin pages.
ADMIN_SEES = ("/api/admin/", "/admin")


async def _call(user: UserClient, app: FastAPI, route: Route, url: str) -> httpx.Response:
    if route.method == "GET":
        return await user.get(url)
    if not route.in_schema:  # an HTML form post
        return await user.form(url, {})
    body = minimal_body(app, route)
    send = {"POST": user.post, "PUT": user.put, "PATCH": user.patch}.get(route.method)
    if send is None:
        return await user.delete(url)
    return await send(url, json=body)


async def _reads(user: UserClient, app: FastAPI, book: Book) -> dict[str, Any]:
    """The trader's own view: every listing and every row-id read that answers 200."""
    seen: dict[str, Any] = {}
    for route in listing_routes(app):
        response = await user.get(route.path)
        if response.status_code == 200:
            seen[route.path] = _shape(response)
    for route in _id_routes(app, "GET"):
        for value in sorted(book.ids, key=str):
            url = route.url(dict.fromkeys(route.params, value))
            response = await user.get(url)
            if response.status_code == 200:
                seen[url] = _shape(response)
    return seen


def _shape(response: httpx.Response) -> Any:
    """What must not change under attack: the ids and texts (live marks and clocks may)."""
    if "json" not in response.headers.get("content-type", ""):
        return len(response.content) > 0
    return sorted(_texts_and_ids(response.json()), key=str)


def _texts_and_ids(payload: Any) -> list[Any]:
    if isinstance(payload, dict):
        out: list[Any] = []
        for key, value in payload.items():
            if key == "id" or (
                isinstance(value, str) and key in {"label", "notes", "name", "title", "note"}
            ):
                out.append((key, value))
            else:
                out.extend(_texts_and_ids(value))
        return out
    if isinstance(payload, list):
        return [x for item in payload for x in _texts_and_ids(item)]
    return []


def _id_routes(app: FastAPI, method: str | None = None) -> list[Route]:
    return [
        r for r in app_routes(app)
        if r.params and _ids_only(r) and (method is None or r.method == method)
    ]  # fmt: skip


def _ids_only(route: Route) -> bool:
    return all(p == "id" or p.endswith("_id") for p in route.params)


@pytest.fixture
async def trader(app: FastAPI, alice: UserClient) -> AsyncIterator[UserClient]:
    """An ordinary account (``alice``, the first, is the admin)."""
    async with signed_up(app) as user:
        yield user


async def _probe(
    app: FastAPI, owner: UserClient, prober: UserClient, report: Report = print
) -> Counter[str]:
    book = await seed_book(app, owner)
    # Ids are per table, so one of the trader's numbers may be the prober's own session or
    # token: attacking that would only log the prober out. Those are skipped, per kind of row.
    mine = await visible_ids(app, prober)
    before = await _reads(owner, app, book)
    counts: Counter[str] = Counter()
    leaks: list[str] = []
    gaps: list[str] = []
    admin = (await prober.get("/api/me")).json()["role"] == "admin"
    for route in app_routes(app):
        if route.method == "GET" and not route.params:
            response = await prober.get(route.path)
            counts["requests"] += 1
            if book.marker in response.text and not (admin and route.path.startswith(ADMIN_SEES)):
                leaks.append(f"{route}: shows the trader's data")
            continue
        if not route.params:
            continue  # the prober's own creates and settings: the race and CSRF probes' turf
        counts["routes attacked"] += 1
        if not _ids_only(route):
            url = route.url(dict.fromkeys(route.params, PUBLIC_VALUE))
            response = await _call(prober, app, route, url)
            counts["requests"] += 1
            if book.marker in response.text:
                leaks.append(f"{route}: shows the trader's data")
            continue
        refusals: dict[type, httpx.Response] = {}
        for value in sorted(book.ids - mine.get(kind_of_row(route), set()), key=str):
            kind = type(value)
            if kind not in refusals:
                made_up = route.url(dict.fromkeys(route.params, _nobodys(value)))
                refusals[kind] = await _call(prober, app, route, made_up)
            nobody = refusals[kind]
            response = await _call(
                prober, app, route, route.url(dict.fromkeys(route.params, value))
            )
            counts["requests"] += 1
            if response.status_code != nobody.status_code:
                leaks.append(
                    f"{route} with the trader's id {value}: {response.status_code} "
                    f"(a made-up id: {nobody.status_code}) {response.text[:200]}"
                )
            elif book.marker in response.text:
                leaks.append(f"{route} with the trader's id {value}: shows the trader's data")
        refused = (403, 404) if route.in_schema else (303, 403, 404)  # a form flashes, then 303
        if not any(r.status_code in refused for r in refusals.values()):
            gaps.append(
                f"{route}: made-up ids never reached the row look-up: "
                + "; ".join(f"{r.status_code} {r.text[:150]}" for r in refusals.values())
            )
    for route in _id_routes(app, "GET"):
        if not any(k.startswith(route.path.split("{")[0]) for k in before):
            gaps.append(f"{route}: no row of the trader's to read (seed it in seed.py)")
    after = await _reads(owner, app, book)
    changed = sorted(k for k in before if json.dumps(before[k]) != json.dumps(after.get(k)))
    leaks.extend(f"{url}: the trader's data changed under attack" for url in changed)
    counts["trader's rows"] = len(book.ids)
    counts["leaks"] = len(leaks)
    report(f"cross-user probe ({'admin' if admin else 'user'} prober): {dict(counts)}")
    if leaks or gaps:
        raise ProbeFound(leaks, gaps)
    return counts


class ProbeFound(AssertionError):
    def __init__(self, leaks: list[str], gaps: list[str]) -> None:
        super().__init__("\n".join([*leaks[:20], *gaps]))
        self.leaks, self.gaps = leaks, gaps


async def test_an_ordinary_user_reaches_nothing_of_another(
    app: FastAPI, alice: UserClient, trader: UserClient, report: Report
) -> None:
    async with signed_up(app) as prober:
        counts = await _probe(app, trader, prober, report)
    assert counts["routes attacked"] >= 20


async def test_an_admin_reaches_nothing_of_a_traders_book(
    app: FastAPI, alice: UserClient, trader: UserClient, report: Report
) -> None:
    await _probe(app, trader, alice, report)


async def test_the_probe_finds_a_route_that_forgets_the_owner(settings: Settings) -> None:
    """The probe itself can fail: a slice whose read skips the owner check is caught, and so is
    a slice whose rows the seed does not reach."""
    application = create_app(settings, slices=(*SLICES, LEAKY))
    async with (
        application.router.lifespan_context(application),
        signed_up(application),  # the first account, the admin
        signed_up(application) as owner,
        signed_up(application) as prober,
    ):
        with pytest.raises(ProbeFound) as found:
            await _probe(application, owner, prober)
    leaks = found.value.leaks
    assert any(line.startswith("GET /api/leaky/positions/{position_id} with") for line in leaks)
    assert found.value.gaps == [
        "GET /api/leaky/unseeded/{widget_id}: no row of the trader's to read (seed it in seed.py)"
    ]
