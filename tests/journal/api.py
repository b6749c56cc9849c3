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
    data = path.read_bytes()  # noqa: ASYNC240 (a small fixture, read once)
    response = await upload(user, account_id, data, path.name, **form)
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


TASTY_HEADER = (
    "Date,Type,Sub Type,Action,Symbol,Instrument Type,Description,Value,Quantity,Average Price,"
    "Commissions,Fees,Multiplier,Root Symbol,Underlying Symbol,Expiration Date,Strike Price,"
    "Call or Put,Order #,Currency"
)


def tasty_round_trips(n: int, symbol: str = "SPY") -> bytes:
    """A tastytrade export of ``n`` short puts, each sold at 2.00 (costs 1.14) and bought back
    at 1.00 (costs 0.14) a day later: ``n`` closed trades of 100.00 gross, 98.72 net each."""
    rows = [TASTY_HEADER]
    for i in range(n):
        strike = 300 + i
        occ = f"{symbol:<6}240621P00{strike}000"
        day = 1 + (i % 27)
        minute = f"{i // 27 % 60:02d}"
        rows.append(
            f"2024-03-{day:02d}T15:{minute}:00+0100,Trade,Sell to Open,SELL_TO_OPEN,{occ},"
            f"Equity Option,Sold 1,200.00,1,200.00,-1.00,-0.14,100,{symbol},{symbol},6/21/24,"
            f"{strike},PUT,{10_000 + i},USD"
        )
        rows.append(
            f"2024-03-{day + 1:02d}T15:{minute}:00+0100,Trade,Buy to Close,BUY_TO_CLOSE,{occ},"
            f"Equity Option,Bought 1,-100.00,1,-100.00,0.00,-0.14,100,{symbol},{symbol},6/21/24,"
            f"{strike},PUT,{20_000 + i},USD"
        )
    return ("\n".join(rows) + "\n").encode()
