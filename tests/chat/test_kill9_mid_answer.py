"""``kill -9`` mid-answer, for real: an ``aicoach serve`` process is killed while the model is
still streaming; after the restart the answer is no longer ``streaming`` (swept at start-up)
and Retry — the same ``client_message_id`` again — gets a complete answer."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx
import pytest

from aicoach.chat.stream import decode
from tests.fakes.llm_script import text_turn
from tests.fakes.openai_server import FakeOpenAI, serve_openai
from tests.helpers.services import port_open
from tests.helpers.threaded_server import free_port
from tests.helpers.users import UserClient, signup_user

pytestmark = pytest.mark.slow
AICOACH = str(Path(sys.executable).with_name("aicoach"))


@contextmanager
def serving(env: dict[str, str], port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    cmd = [AICOACH, "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("ab") as out:
        process = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while not port_open("127.0.0.1", port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"aicoach serve did not come up:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


async def _messages(user: UserClient, session_id: int) -> list[dict[str, Any]]:
    body = (await user.get(f"/api/chat/sessions/{session_id}/messages")).json()
    items: list[dict[str, Any]] = body["items"] if isinstance(body, dict) else body
    return items


async def test_kill_9_mid_answer_then_restart_and_retry(tmp_path: Path) -> None:
    with serve_openai([text_turn("The first answer ", "never ", "ends."),
                       text_turn("Answered after the restart.")]) as fake:  # fmt: skip
        fake.stall(120, after_events=2)
        port = free_port()
        env = {
            **os.environ,
            "AICOACH_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'coach.db'}",
            "AICOACH_DATA_DIR": str(tmp_path / "data"),
            "AICOACH_BASE_URL": f"http://127.0.0.1:{port}",
            "AICOACH_LLM_PROVIDER": "openai",
            "AICOACH_OPENAI_BASE_URL": fake.base_url,
            "AICOACH_OPENAI_API_KEY": "sk-test",
            "AICOACH_CHAT_INTERRUPTED_AFTER_SECONDS": "1",
        }
        env.pop("AICOACH_REDIS_URL", None)
        log = tmp_path / "serve.log"
        url = f"http://127.0.0.1:{port}"
        cid = str(uuid.uuid4())
        with serving(env, port, log) as process:
            async with httpx.AsyncClient(base_url=url, timeout=30) as http:
                user = await signup_user(http, "crash@example.com", "a long enough passphrase")
                chat = (await user.post("/api/chat/sessions", json={})).json()
                asking = asyncio.create_task(
                    user.post(
                        f"/api/chat/sessions/{chat['id']}/messages",
                        json={"content": "what is SPY doing?", "client_message_id": cid},
                    )
                )
                await _until(lambda: len(fake.requests) >= 1)
                await asyncio.sleep(0.5)  # the first events are in; the model now stalls
                process.send_signal(signal.SIGKILL)
                with suppress(httpx.HTTPError):
                    await asyncio.wait_for(asking, 30)
                cookies = dict(http.cookies)
        await asyncio.sleep(1.2)  # longer than the heartbeat limit: nobody writes it any more
        with serving(env, port, log):
            async with httpx.AsyncClient(base_url=url, timeout=60, cookies=cookies) as http:
                user = UserClient(http, "crash@example.com", "a long enough passphrase")
                await _until_settled(user, chat["id"])
                [_, reply] = await _messages(user, chat["id"])
                assert reply["status"] == "error" and "interrupted" in str(reply).lower()
                retried = await user.post(
                    f"/api/chat/sessions/{chat['id']}/messages",
                    json={"content": "what is SPY doing?", "client_message_id": cid},
                )
                events = decode(retried.text)
                assert retried.status_code == 200 and events[-1][0] == "done", events[-3:]
                [question, answer] = await _messages(user, chat["id"])
    text = answer["content"]
    assert question["content"] == "what is SPY doing?"
    assert answer["status"] == "complete" and text == "Answered after the restart.", answer
    assert isinstance(fake, FakeOpenAI) and len(fake.requests) == 2
    print("kill -9 mid-answer: swept to answer_interrupted at start-up; Retry answered in full")


async def _until(check: Any, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def _until_settled(user: UserClient, session_id: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while (await _messages(user, session_id))[-1]["status"] == "streaming":
        assert time.monotonic() < deadline, "the interrupted answer stayed streaming"
        await asyncio.sleep(0.2)
