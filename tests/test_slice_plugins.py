"""Adding a slice is one folder and one line in the slice list: the toy slice in
``tests/toy_slice/`` brings a tab, a tool with its offline skill, a card (with its own JS module)
and a job, and this test plugs it in with ``create_app(slices=(*SLICES, TOY))`` — no other edit.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from aicoach.config import Settings
from aicoach.db import transaction
from aicoach.main import SLICES, create_app
from tests.chat.chat_helpers import first, send, text_of
from tests.factories import create_chat, signed_up
from tests.helpers.wait import wait_until
from tests.toy_slice.plugin import MANIFEST as TOY


@pytest.fixture
async def toy_app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings, slices=(*SLICES, TOY))
    async with application.router.lifespan_context(application):
        yield application


async def test_the_tab_is_in_the_shell_and_its_partial_is_served(toy_app: FastAPI) -> None:
    async with signed_up(toy_app) as user:
        shell = (await user.get("/")).text
        assert 'data-tab="toy"' in shell and ">Toy<" in shell
        assert "data-toy-tab" in (await user.get("/tabs/toy")).text


async def test_the_card_module_is_mapped_and_served_from_the_slice_folder(
    toy_app: FastAPI,
) -> None:
    async with signed_up(toy_app) as user:
        shell = (await user.get("/")).text
        found = re.search(r'<script type="application/json" id="card-map">(.*?)</script>', shell)
        assert found is not None
        card_map = json.loads(found.group(1))
        assert card_map["lucky_number"] == {
            "module": "/static/js/toy/cards/lucky_number.js",
            "tab": "toy",
        }
        imports = re.search(r'<script type="importmap"[^>]*>(.*?)</script>', shell, re.S)
        assert imports is not None
        hashed = json.loads(imports.group(1))["imports"]["/static/js/toy/cards/lucky_number.js"]
        served = await user.get(hashed)
        assert served.status_code == 200 and "Lucky number" in served.text
        assert (await user.get("/static/js/toy/../../../../pyproject.toml")).status_code == 404
        assert (await user.get("/static/js/toy/cards/missing.js")).status_code == 404


async def test_the_offline_coach_uses_the_tool_through_its_skill(toy_app: FastAPI) -> None:
    container: Any = toy_app.state.container
    assert "get_lucky_number" in container.chat.tools.names
    async with signed_up(toy_app) as user:
        chat = await create_chat(user)
        status, events, _ = await send(user, chat["id"], "what's the lucky number for spy?")
        assert status == 200
        started = first(events, "tool_started")
        assert started["name"] == "get_lucky_number"
        assert started["phrase"] == "Finding a lucky number"
        card = first(events, "card")
        assert card["type"] == "lucky_number"
        lucky = card["data"]["lucky"]
        assert f"your lucky number is {lucky}." in text_of(events)
        help_text = text_of((await send(user, chat["id"], "help"))[1])
        assert "**Lucky numbers**" in help_text


async def test_the_job_runs_through_the_outbox(settings: Settings, tmp_path: Path) -> None:
    """A job the toy slice declares is enqueued through the outbox in a transaction, relayed and
    run by the in-process consumer — with nothing but the manifest plugging it in."""
    in_process = settings.model_copy(update={"run_jobs_in_process": True})
    application = create_app(in_process, slices=(*SLICES, TOY))
    out = tmp_path / "remembered.txt"
    async with application.router.lifespan_context(application):
        container: Any = application.state.container
        assert "toy.remember" in container.jobs.names
        async with transaction(container.sessions) as session:
            await container.outbox.enqueue(session, "toy.remember", str(out), "seven", key="t1")
        await wait_until(out.exists, within=60, what="the toy job's file")
    assert out.read_text(encoding="utf-8") == "seven\n"
