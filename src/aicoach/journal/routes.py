"""The journal API (contract: docs/journal-api.md). Every route needs a logged-in trader and sees
only their rows: another trader's id answers 404, exactly like a missing one.

* ``/api/journal/accounts`` — broker accounts (``GET``, ``POST``; ``GET``/``DELETE /{id}``);
* ``/api/journal/imports`` — ``POST`` a file (multipart) → its preview; ``GET /{id}`` (polled
  while a large commit runs), ``POST /{id}/commit``; ``GET`` lists yours, newest first;
* ``/api/journal/mappings`` — saved generic-CSV column mappings;
* ``/api/journal/trades`` — the filtered, sorted page; ``GET``/``PATCH /{id}`` (notes, tags,
  planned risk); ``POST`` a trade entered by hand;
* ``/api/journal/stats``, ``/patterns``, ``/export.csv`` — over the same filters.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Query, Response, UploadFile, status

from aicoach.accounts.deps import CurrentUser
from aicoach.journal.deps import (
    AccountsDep,
    AnalyticsDep,
    ImportLimitDep,
    ImportsDep,
    MappingsDep,
    TradesDep,
)
from aicoach.journal.importers._text import read_limited
from aicoach.journal.schemas import (
    AccountCreate,
    AccountRead,
    FindingRead,
    ImportItem,
    ImportRead,
    ManualTrade,
    MappingCreate,
    MappingRead,
    PatternsRead,
    TradeDetail,
    TradeFilters,
    TradeList,
    TradeListParams,
    TradePatch,
)
from aicoach.web.deps import RowId

router = APIRouter(tags=["journal"])
TradeId = Annotated[
    str, Path(min_length=1, max_length=64, pattern=r"^[0-9a-f]+$", description="Trade id.")
]
FormRowId = Annotated[int, Form(ge=1, le=2**31 - 1)]
_4XX: dict[int | str, dict[str, Any]] = {
    404: {"description": "Not yours, or not there."},
    422: {"description": "Invalid input; the message says what to fix."},
}


# --- accounts ------------------------------------------------------------------------------------


@router.get("/api/journal/accounts")
async def list_accounts(user: CurrentUser, service: AccountsDep) -> list[AccountRead]:
    return await service.accounts(user.id)


@router.post("/api/journal/accounts", status_code=status.HTTP_201_CREATED, responses=_4XX)
async def create_account(
    body: AccountCreate, user: CurrentUser, service: AccountsDep
) -> AccountRead:
    """A broker account (409 when you already have one of that name)."""
    return await service.create(user.id, body)


@router.get("/api/journal/accounts/{account_id}", responses=_4XX)
async def get_account(account_id: RowId, user: CurrentUser, service: AccountsDep) -> AccountRead:
    return await service.read(user.id, account_id)


@router.delete(
    "/api/journal/accounts/{account_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_4XX
)
async def delete_account(account_id: RowId, user: CurrentUser, service: AccountsDep) -> Response:
    """The account with its executions, trades, notes and imports."""
    await service.delete(user.id, account_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- imports -------------------------------------------------------------------------------------


@router.post("/api/journal/imports", status_code=status.HTTP_201_CREATED, responses=_4XX)
async def preview_import(
    user: CurrentUser,
    service: ImportsDep,
    mappings: MappingsDep,
    limit: ImportLimitDep,
    file: Annotated[UploadFile, File(description="The broker's export (CSV or Flex XML).")],
    account_id: FormRowId,
    format: Annotated[str | None, Form(max_length=40, description="Importer name")] = None,
    mapping_id: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
) -> ImportRead:
    """Read a broker file and show what it holds; nothing enters the journal until the commit.
    Refused with a readable message: unknown format, empty, binary, too large, unknown account."""
    data = read_limited(file.file, limit)  # stops reading one byte past the limit
    mapping = await mappings.column_mapping(user.id, mapping_id) if mapping_id else None
    return await service.preview(
        user.id, account_id, file_name=file.filename or "", data=data,
        format=(format or "").strip() or None, mapping=mapping,
    )  # fmt: skip


@router.get("/api/journal/imports")
async def list_imports(user: CurrentUser, service: ImportsDep) -> list[ImportItem]:
    return await service.items(user.id)


@router.get("/api/journal/imports/{import_id}", responses=_4XX)
async def get_import(import_id: RowId, user: CurrentUser, service: ImportsDep) -> ImportRead:
    """The preview, with ``status`` and ``progress`` (poll this while a commit runs)."""
    return await service.get(user.id, import_id)


@router.post("/api/journal/imports/{import_id}/commit", responses=_4XX)
async def commit_import(import_id: RowId, user: CurrentUser, service: ImportsDep) -> ImportRead:
    """Add the previewed rows (all of them, or none): ``committed``, or ``committing`` for a
    large file (a background job; poll the import). A second commit answers 409."""
    return await service.commit(user.id, import_id)


# --- mappings ------------------------------------------------------------------------------------


@router.get("/api/journal/mappings")
async def list_mappings(user: CurrentUser, service: MappingsDep) -> list[MappingRead]:
    return await service.mappings(user.id)


@router.post("/api/journal/mappings", status_code=status.HTTP_201_CREATED, responses=_4XX)
async def create_mapping(
    body: MappingCreate, user: CurrentUser, service: MappingsDep
) -> MappingRead:
    return await service.create(user.id, body)


@router.get("/api/journal/mappings/{mapping_id}", responses=_4XX)
async def get_mapping(mapping_id: RowId, user: CurrentUser, service: MappingsDep) -> MappingRead:
    return await service.read(user.id, mapping_id)


@router.delete(
    "/api/journal/mappings/{mapping_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_4XX
)
async def delete_mapping(mapping_id: RowId, user: CurrentUser, service: MappingsDep) -> Response:
    await service.delete(user.id, mapping_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- trades --------------------------------------------------------------------------------------


@router.get("/api/journal/trades", responses=_4XX)
async def list_trades(
    params: Annotated[TradeListParams, Query()], user: CurrentUser, service: TradesDep
) -> TradeList:
    """Your trades, filtered and sorted (dates are New York dates: a closed trade's close
    date, an open trade's open date)."""
    return await service.page(user.id, params)


@router.post("/api/journal/trades", status_code=status.HTTP_201_CREATED, responses=_4XX)
async def create_trade(body: ManualTrade, user: CurrentUser, service: TradesDep) -> TradeDetail:
    """A trade entered by hand: its legs, opened (and closed) together."""
    return await service.manual(user.id, body)


@router.get("/api/journal/trades/{trade_id}", responses=_4XX)
async def get_trade(trade_id: TradeId, user: CurrentUser, service: TradesDep) -> TradeDetail:
    return await service.detail(user.id, trade_id)


@router.patch("/api/journal/trades/{trade_id}", responses=_4XX)
async def patch_trade(
    trade_id: TradeId, body: TradePatch, user: CurrentUser, service: TradesDep
) -> TradeDetail:
    """Your notes, tags and planned risk on a trade (kept across every re-import)."""
    return await service.patch(user.id, trade_id, body)


# --- analytics -----------------------------------------------------------------------------------


@router.get("/api/journal/stats", responses=_4XX)
async def journal_stats(
    filters: Annotated[TradeFilters, Query()], user: CurrentUser, service: AnalyticsDep
) -> dict[str, Any]:
    """The dashboard of the closed trades the filters keep (win rate, profit factor, equity
    curve, drawdown, calendar, heatmap, breakdowns)."""
    return await service.stats(user.id, filters)


@router.get("/api/journal/patterns", responses=_4XX)
async def journal_patterns(
    filters: Annotated[TradeFilters, Query()], user: CurrentUser, service: AnalyticsDep
) -> PatternsRead:
    found = await service.patterns(user.id, filters)
    return PatternsRead(findings=[FindingRead.model_validate(f.to_dict()) for f in found])


@router.get("/api/journal/export.csv", responses=_4XX)
async def export_trades(
    filters: Annotated[TradeFilters, Query()], user: CurrentUser, service: AnalyticsDep
) -> Response:
    """The trades as CSV; a cell a spreadsheet would run as a formula starts with a quote."""
    body = await service.export_csv(user.id, filters)
    return Response(
        content=body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="journal.csv"'},
    )
