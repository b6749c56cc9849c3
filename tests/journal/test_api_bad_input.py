"""Bad input gets a clear 4xx with a readable message, and leaves nothing half-written: no import
row, no execution, no stored file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from aicoach.journal.deps import import_limit
from tests.helpers.users import UserClient
from tests.journal.api import fixture, new_account, preview, trades, upload

TASTY_HEADER = fixture("tastytrade/transactions_2024.csv").read_text("utf-8-sig").splitlines()[0]


async def nothing_written(user: UserClient, data_dir: Path) -> None:
    assert (await user.get("/api/journal/imports")).json() == []
    assert await trades(user) == []
    uploads = data_dir / "journal" / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())


def message(response: Any) -> str:
    body = response.json()
    text: str = body["error"]["message"]
    return text


@pytest.fixture
def data_dir(app: FastAPI) -> Path:
    path: Path = app.state.container.settings.data_dir
    return path


@pytest.mark.parametrize(
    ("content", "status", "words"),
    [
        (b"", 422, "empty"),
        (b"\n \n", 422, "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), 422, "binary"),
        (b"when,what,how much\n2024-01-02,x,3\n", 422, "isn't a broker export I know"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\n", 422, "know"),
    ],
    ids=["empty", "blank-lines", "binary", "unknown-csv", "pdf"],
)
async def test_unreadable_files_are_refused(
    alice: UserClient, data_dir: Path, content: bytes, status: int, words: str
) -> None:
    account = await new_account(alice)
    response = await upload(alice, account["id"], content)
    assert response.status_code == status, response.text
    assert words in message(response)
    await nothing_written(alice, data_dir)


async def test_an_unknown_format_lists_the_ones_known(alice: UserClient) -> None:
    account = await new_account(alice)
    response = await upload(alice, account["id"], b"a,b\n1,2\n")
    said = message(response)
    assert "tastytrade transactions CSV" in said and "Webull orders records CSV" in said
    named = await upload(alice, account["id"], b"a,b\n1,2\n", format="etrade")
    assert named.status_code == 422 and "no importer called 'etrade'" in message(named)


async def test_a_file_over_the_limit_is_refused_while_read(
    app: FastAPI, alice: UserClient, data_dir: Path
) -> None:
    app.dependency_overrides[import_limit] = lambda: 2_000
    try:
        account = await new_account(alice)
        body = fixture("tastytrade/transactions_2024.csv").read_bytes()
        assert len(body) > 2_000
        response = await upload(alice, account["id"], body)
        assert response.status_code == 413, response.text
        assert "larger than" in message(response)
        small = await upload(alice, account["id"], b"\n".join(body.splitlines()[:5]))
        assert small.status_code == 201, small.text  # under the limit: fine
    finally:
        app.dependency_overrides.pop(import_limit)


async def test_a_body_over_the_servers_limit_is_refused_before_parsing(
    app: FastAPI, alice: UserClient, data_dir: Path
) -> None:
    limit = app.state.container.settings.max_upload_bytes
    account = await new_account(alice)
    response = await upload(alice, account["id"], b"x" * (limit + 10))
    assert response.status_code == 413
    await nothing_written(alice, data_dir)


async def test_formula_cells_are_row_errors_and_never_committed(alice: UserClient) -> None:
    account = await new_account(alice)
    good = (
        "2024-03-01T15:45:12+0100,Trade,Sell to Open,SELL_TO_OPEN,AAPL  240315C00170000,"
        "Equity Option,Sold 1 AAPL,205.00,1,205.00,-1.00,-0.14,100,AAPL,AAPL,3/15/24,170,CALL,"
        "1001,USD"
    )
    bad = (
        '2024-03-01T15:50:00+0100,Trade,Sell to Open,SELL_TO_OPEN,"=HYPERLINK(""http://x"")",'
        "Equity Option,Sold 1 KO,95.00,1,95.00,-1.00,-0.14,100,KO,KO,3/15/24,60,PUT,1002,USD"
    )
    text = "\n".join([TASTY_HEADER, good, bad]) + "\n"
    shown = (await upload(alice, account["id"], text.encode())).json()
    assert [e["row"] for e in shown["errors"]] == [3]
    assert "spreadsheet formula" in shown["errors"][0]["reason"]
    done = (await alice.post(f"/api/journal/imports/{shown['id']}/commit")).json()
    assert done["added"] == 1
    assert [t["underlying"] for t in await trades(alice)] == ["AAPL"]


async def test_an_account_that_is_not_yours_is_not_found(
    alice: UserClient, bob: UserClient, data_dir: Path
) -> None:
    account = await new_account(alice)
    body = fixture("tastytrade/transactions_2024.csv").read_bytes()
    response = await upload(bob, account["id"], body)
    assert response.status_code == 404
    assert "no such broker account" in message(response)
    missing = await upload(alice, 999_999, body)
    assert missing.status_code == 404
    await nothing_written(bob, data_dir)


@pytest.mark.parametrize(
    ("data", "files", "field"),
    [
        ({"account_id": "1"}, None, "file"),
        ({}, {"file": ("a.csv", b"x", "text/csv")}, "account_id"),
        ({"account_id": "abc"}, {"file": ("a.csv", b"x", "text/csv")}, "account_id"),
        ({"account_id": "0"}, {"file": ("a.csv", b"x", "text/csv")}, "account_id"),
        ({"account_id": "1", "mapping_id": "-4"}, {"file": ("a.csv", b"x", "text/csv")},
         "mapping_id"),
    ],
    ids=["no-file", "no-account", "account-not-a-number", "account-zero", "negative-mapping"],
)  # fmt: skip
async def test_malformed_forms_say_which_field(
    alice: UserClient, data: dict[str, str], files: dict[str, Any] | None, field: str
) -> None:
    response = await alice.post("/api/journal/imports", data=data, files=files)
    assert response.status_code == 422, response.text
    assert field in response.text


async def test_a_json_body_instead_of_a_file_is_a_422(alice: UserClient) -> None:
    response = await alice.post("/api/journal/imports", json={"account_id": 1})
    assert response.status_code == 422


async def test_generic_csv_needs_a_mapping_and_the_mapping_must_fit(alice: UserClient) -> None:
    account = await new_account(alice)
    body = fixture("generic/fills.csv").read_bytes()
    no_mapping = await upload(alice, account["id"], body, format="generic")
    assert no_mapping.status_code == 422 and "column mapping" in message(no_mapping)
    unknown = await upload(alice, account["id"], body, mapping_id=424242)
    assert unknown.status_code == 404
    wrong = await alice.post("/api/journal/mappings", json={
        "name": "wrong", "mapping": {"time": "When", "symbol": "Sym", "side": "Side",
                                     "quantity": "Q", "price": "P"},
    })  # fmt: skip
    bad = await upload(alice, account["id"], body, mapping_id=wrong.json()["id"])
    assert bad.status_code == 422 and "no column 'When'" in message(bad)


async def test_invalid_mappings_are_refused_in_words(alice: UserClient) -> None:
    r = await alice.post("/api/journal/mappings", json={"name": "x", "mapping": {"time": "T"}})
    assert r.status_code == 422
    r = await alice.post(
        "/api/journal/mappings",
        json={
            "name": "  ",
            "mapping": {
                "time": "T",
                "symbol": "S",
                "quantity": "Q",
                "price": "P",
                "quantity_sign": "signed",
            },
        },
    )
    assert r.status_code == 422 and "blank" in r.text  # fmt: skip


async def test_committing_an_import_that_is_not_yours_or_missing(
    alice: UserClient, bob: UserClient
) -> None:
    account = await new_account(alice)
    shown = await preview(alice, account["id"], fixture("tastytrade/transactions_2024.csv"))
    assert (await bob.post(f"/api/journal/imports/{shown['id']}/commit")).status_code == 404
    assert (await alice.post("/api/journal/imports/77777/commit")).status_code == 404
    assert (await alice.get(f"/api/journal/imports/{shown['id']}")).json()["status"] == "previewed"


def _trade_bodies() -> Iterator[tuple[str, dict[str, Any], str]]:
    leg = {"symbol": "SPY", "kind": "put", "strike": 500, "expiration": "2024-03-15",
           "quantity": -1, "price": "3.10", "opened_at": "2024-03-04T15:15:30Z"}  # fmt: skip
    yield "no-legs", {"legs": []}, "legs"
    yield "stock-with-strike", {"legs": [{**leg, "kind": "stock"}]}, "stock leg"
    yield "option-without-expiration", {"legs": [{**leg, "expiration": None}]}, "expiration"
    yield "zero-quantity", {"legs": [{**leg, "quantity": 0}]}, "zero"
    yield "naive-time", {"legs": [{**leg, "opened_at": "2024-03-04T15:15:30"}]}, "timezone"
    yield "close-without-price", {"legs": [{**leg, "closed_at": "2024-03-08T15:00:00Z"}]}, "both"
    yield "two-underlyings", {"legs": [leg, {**leg, "symbol": "QQQ"}]}, "same underlying"
    yield "negative-price", {"legs": [{**leg, "price": "-1"}]}, "price"
    yield "year-3000", {"legs": [{**leg, "opened_at": "3000-01-02T15:00:00Z"}]}, "between the years"
    yield "expiry-9999", {"legs": [{**leg, "expiration": "9999-12-31"}]}, "between the years"


@pytest.mark.parametrize(("case", "body", "words"), list(_trade_bodies()),
                         ids=[c[0] for c in _trade_bodies()])  # fmt: skip
async def test_manual_trades_are_validated_in_words(
    alice: UserClient, case: str, body: dict[str, Any], words: str
) -> None:
    account = await new_account(alice)
    response = await alice.post("/api/journal/trades", json={"account_id": account["id"], **body})
    assert response.status_code == 422, response.text
    assert words in response.text
    assert await trades(alice) == []


@pytest.mark.parametrize(
    "query",
    ["sort=size", "order=up", "limit=0", "limit=100000", "from=2024-13-01",
     "from=2024-03-10&to=2024-03-01", "status=pending", "side=long", "strategy=unicorn",
     "offset=-1", "unknown=1", "to=9999-12-31", "from=0001-01-01"],
)  # fmt: skip
async def test_bad_filters_are_422s(alice: UserClient, query: str) -> None:
    for path in ("/api/journal/trades", "/api/journal/stats", "/api/journal/export.csv"):
        if path != "/api/journal/trades" and query.split("=")[0] in ("sort", "order", "limit",
                                                                       "offset"):  # fmt: skip
            continue
        response = await alice.get(f"{path}?{query}")
        assert response.status_code == 422, (path, query, response.text)
