"""Test data made the way a user makes it: through the real API (or the real sign-up page).

Small functions for the set-up many tests repeat — a signed-up user, a saved position, a chat
session — so a test says what it needs in one line and the set-up stays in one place. Each
checks that its own request succeeded, so a broken set-up fails here, with the response,
rather than as a confusing assertion further down the test.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI

from tests.helpers.users import UserClient, signup_user
from tests.positions.chains import iron_condor_legs

PASSWORD = "a long enough passphrase"


def unique_email(name: str = "user") -> str:
    """A fresh address, so factories can be called twice in one test (or one database)."""
    return f"{name}-{uuid.uuid4().hex[:8]}@example.com"


# --- users ---------------------------------------------------------------------------------


def client_for(application: FastAPI) -> httpx.AsyncClient:
    """An HTTP client talking to ``application`` in-process (ASGI), from a fixed client IP."""
    transport = httpx.ASGITransport(app=application, client=("127.0.0.1", 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@asynccontextmanager
async def signed_up(
    application: FastAPI, email: str | None = None, password: str = PASSWORD
) -> AsyncIterator[UserClient]:
    """A user signed up through the real form on ``application``, logged in on a client of
    their own (closed on exit). The app's lifespan must already be running."""
    async with client_for(application) as http:
        yield await signup_user(http, email or unique_email(), password)


async def sign_up_in_browser(
    page: Any, email: str | None = None, password: str = PASSWORD, *, ready: str = ".shell"
) -> str:
    """Sign up through the sign-up page in ``page`` and wait for the shell (``ready``, a CSS
    selector); returns the address used."""
    email = email or unique_email()
    await page.goto("/signup")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Create account").click()
    # Password hashing is deliberately slow; on a busy machine (or two xdist workers, each
    # with a browser) it can take a while.
    await page.wait_for_url("**/", timeout=40_000)
    await page.locator(ready).wait_for()
    return email


# --- positions -----------------------------------------------------------------------------


async def create_strategy(
    user: UserClient, legs: list[dict[str, Any]], label: str | None = None
) -> dict[str, Any]:
    """Save ``legs`` as one strategy through ``POST /api/positions``; the saved strategy."""
    body: dict[str, Any] = {"legs": legs}
    if label is not None:
        body["label"] = label
    response = await user.post("/api/positions", json=body)
    assert response.status_code == 201, response.text
    saved: dict[str, Any] = response.json()
    return saved


async def create_iron_condor(
    user: UserClient, symbol: str = "SPY", label: str | None = None
) -> dict[str, Any]:
    """A saved 1-lot iron condor around the money on the chain the API serves."""
    return await create_strategy(user, await iron_condor_legs(user, symbol), label)


async def create_stock(
    user: UserClient, symbol: str = "SPY", quantity: int = 10, entry_price: float = 500
) -> dict[str, Any]:
    """A saved stock position; the saved strategy (its one leg is ``["legs"][0]``)."""
    leg = {"symbol": symbol, "kind": "stock", "quantity": quantity, "entry_price": entry_price}
    response = await user.post("/api/positions", json=leg)
    assert response.status_code == 201, response.text
    saved: dict[str, Any] = response.json()
    return saved


# --- chat ----------------------------------------------------------------------------------


async def create_chat(user: UserClient, title: str | None = None) -> dict[str, Any]:
    """A new chat session of ``user`` (``POST /api/chat/sessions``)."""
    response = await user.post("/api/chat/sessions", json={"title": title} if title else {})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body
