"""The journal API the way the Journal tab calls it: accounts, uploads, commits, trades."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from tests.helpers.users import UserClient
from tests.journal.importers_helpers import FIXTURES


async def new_account(user: UserClient, name: str = "Main", broker: str = "") -> dict[str, Any]:
    response = await user.post("/api/journal/accounts", json={"name": name, "broker": broker})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def upload(
    user: UserClient, account_id: int, content: bytes, file_name: str = "export.csv",
    **form: Any,
) -> httpx.Response:  # fmt: skip
    data = {"account_id": str(account_id), **{k: str(v) for k, v in form.items()}}
    return await user.post(
        "/api/journal/imports", files={"file": (file_name, content, "text/csv")}, data=data
    )


def fixture(name: str) -> Path:
    return FIXTURES / name


async def preview(user: UserClient, account_id: int, path: Path, **form: Any) -> dict[str, Any]:
    response = await upload(user, account_id, path.read_bytes(), path.name, **form)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def commit(user: UserClient, import_id: int) -> dict[str, Any]:
    response = await user.post(f"/api/journal/imports/{import_id}/commit")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def import_file(user: UserClient, account_id: int, path: Path, **form: Any) -> dict[str, Any]:
    """Preview then commit ``path``; the committed import."""
    shown = await preview(user, account_id, path, **form)
    return await commit(user, shown["id"])


async def trades(user: UserClient, **params: Any) -> list[dict[str, Any]]:
    response = await user.get("/api/journal/trades", params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def realized_by_underlying(items: list[dict[str, Any]]) -> dict[str, tuple[Decimal, Decimal]]:
    """Underlying → (realized gross, realized net), summed over the trades listed."""
    out: dict[str, tuple[Decimal, Decimal]] = {}
    for t in items:
        gross, net = out.get(t["underlying"], (Decimal(0), Decimal(0)))
        out[t["underlying"]] = (
            gross + Decimal(t["realized_gross"]),
            net + Decimal(t["realized_net"]),
        )
    return out
