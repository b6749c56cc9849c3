"""JSON shapes of the journal API (the contract is docs/journal-api.md).

Money goes out as a string with two decimals (``"142.50"``: exact, from ``Decimal``); prices per
share keep the decimals the fill had (at least two); quantities are signed decimal strings. Times
are ISO-8601 UTC. Requests take exact decimals as JSON numbers or strings.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from aicoach.journal.importers.mapping import ColumnMapping

Name = Annotated[str, Field(min_length=1, max_length=80)]
Price = Annotated[Decimal, Field(ge=0, le=10**9, max_digits=18, decimal_places=6)]
Strike = Annotated[Decimal, Field(gt=0, le=10**9, max_digits=18, decimal_places=6)]
Quantity = Annotated[Decimal, Field(ge=-(10**9), le=10**9, max_digits=18, decimal_places=6)]
Fee = Annotated[Decimal, Field(ge=0, le=10**7, max_digits=18, decimal_places=6)]
Risk = Annotated[Decimal, Field(gt=0, le=10**10, max_digits=18, decimal_places=6)]
TagKind = Literal["setup", "mistake", "custom"]


def _clean_name(value: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise ValueError("must not be blank")
    return value


# --- accounts -----------------------------------------------------------------------------------


class AccountCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name = Field(description="Your name for the account, unique among yours.")
    broker: str = Field("", max_length=40, description="e.g. tastytrade, ibkr (optional).")

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _clean_name(v)


class AccountRead(BaseModel):
    id: int
    name: str
    broker: str
    created_at: datetime
    trades: int
    executions: int


# --- imports ------------------------------------------------------------------------------------


class RowCounts(BaseModel):
    total: int = Field(description="Rows read: parsed + errors + skipped.")
    parsed: int = Field(description="Executions read from the file.")
    duplicates: int = Field(description="Of those, already in this account (added nothing).")
    errors: int
    skipped: int = Field(description="Rows that are not executions (cash, dividends, totals).")


class RowErrorRead(BaseModel):
    row: int
    reason: str
    raw: str


class ExecutionPreview(BaseModel):
    row: int
    executed_at: datetime
    symbol: str
    instrument: str
    quantity: str
    price: str
    commission: str
    fees: str
    kind: str
    effect: str
    order_id: str | None
    duplicate: bool


class TradeSummary(BaseModel):
    """The round trips the new executions form with the account's existing ones."""

    count: int
    open: int
    closed: int
    by_strategy: dict[str, int]
    realized_net: str


class Progress(BaseModel):
    done: int
    total: int
    phase: str = ""


class ImportItem(BaseModel):
    id: int
    status: Literal["previewed", "committing", "committed", "failed"]
    file_name: str
    format: str
    format_label: str
    account_id: int
    rows: RowCounts
    progress: Progress
    added: int = Field(description="Executions the commit added (duplicates excluded).")
    error: str | None
    created_at: datetime
    committed_at: datetime | None


class ImportRead(ImportItem):
    errors: list[RowErrorRead]
    executions: list[ExecutionPreview] = Field(description="The first 200 rows read.")
    trades: TradeSummary
    warnings: list[str] = Field(description="What the round-trip builder could not take as is.")


# --- mappings -----------------------------------------------------------------------------------


class MappingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    mapping: ColumnMapping

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _clean_name(v)


class MappingRead(BaseModel):
    id: int
    name: str
    mapping: dict[str, Any]
    created_at: datetime


# --- trades -------------------------------------------------------------------------------------


class TradeBase(BaseModel):
    id: str
    account_id: int
    account: str
    underlying: str
    strategy: str
    strategy_label: str
    status: str = Field(description="open | partially_closed | closed")
    direction: str = Field(description="credit | debit | even (premium at entry)")
    opened_at: datetime
    closed_at: datetime | None
    quantity_label: str
    gross: str
    costs: str
    net: str = Field(description="Net cash of every fill so far (open cost basis included).")
    realized_gross: str = Field(description="FIFO P&L of what was closed, before costs.")
    realized_net: str = Field(description="FIFO P&L of what was closed, costs included.")
    r_multiple: str | None
    planned_risk: str | None
    campaign_id: str
    has_notes: bool


class TradeItem(TradeBase):
    tags: list[str]


class TradeList(BaseModel):
    total: int
    items: list[TradeItem]


class FillRead(BaseModel):
    executed_at: datetime
    quantity: str
    price: str
    commission: str
    fees: str
    kind: str
    effect: str
    row: int
    import_id: int | None


class LegRead(BaseModel):
    instrument: str
    symbol: str
    kind: str
    right: str | None
    strike: str | None
    expiration: date | None
    opened_quantity: str
    closed_quantity: str
    open_quantity: str
    average_open_price: str
    gross: str
    costs: str
    net: str
    fills: list[FillRead]


class CampaignTrade(BaseModel):
    id: str
    strategy_label: str
    opened_at: datetime
    closed_at: datetime | None
    net: str


class CampaignRead(BaseModel):
    id: str
    trades: list[CampaignTrade]
    cumulative_net: list[str]
    breakeven: str | None
    breakeven_note: str


class EnrichedValue(BaseModel):
    value: Any
    state: Literal["ok", "unavailable"]
    reason: str | None
    source: str
    as_of: datetime | None
    detail: dict[str, Any] | None = None


def _not_computed() -> EnrichedValue:
    return EnrichedValue(value=None, state="unavailable", reason="not computed yet (run "
                         "`aicoach journal enrich`)", source="your data", as_of=None)  # fmt: skip


class Enrichment(BaseModel):
    dte_at_entry: EnrichedValue = Field(default_factory=_not_computed)
    underlying_price: EnrichedValue = Field(default_factory=_not_computed)
    iv_at_entry: EnrichedValue = Field(default_factory=_not_computed)
    delta_at_entry: EnrichedValue = Field(default_factory=_not_computed)
    iv_rank: EnrichedValue = Field(default_factory=_not_computed)
    expected_move: EnrichedValue = Field(default_factory=_not_computed)
    level_context: EnrichedValue = Field(default_factory=_not_computed)


class TagRead(BaseModel):
    name: str
    kind: TagKind


class TradeDetail(TradeBase):
    tags: list[TagRead]
    legs: list[LegRead]
    campaign: CampaignRead
    enrichment: Enrichment
    notes: str
    planned_risk_note: str


class TagIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=40)
    kind: TagKind = "custom"

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _clean_name(v).lower()


class TradePatch(BaseModel):
    """Only the fields sent change; ``planned_risk: null`` removes your override."""

    model_config = ConfigDict(extra="forbid")

    notes: str | None = Field(None, max_length=10_000)
    tags: list[TagIn] | None = Field(None, max_length=50)
    planned_risk: Risk | None = Field(None, description="Dollars at risk, your own figure.")

    @field_validator("tags")
    @classmethod
    def _unique_tags(cls, tags: list[TagIn] | None) -> list[TagIn] | None:
        if tags is not None and len({t.name for t in tags}) != len(tags):
            raise ValueError("a tag is listed twice")
        return tags


class ManualLeg(BaseModel):
    model_config = ConfigDict(extra="forbid")

    symbol: str = Field(min_length=1, max_length=20, examples=["SPY"])
    kind: Literal["stock", "call", "put"]
    strike: Strike | None = None
    expiration: date | None = None
    quantity: Quantity = Field(description="Signed: + bought, - sold (contracts or shares).")
    price: Price = Field(description="Dollars per share at entry.")
    opened_at: AwareDatetime
    closed_at: AwareDatetime | None = None
    close_price: Price | None = None
    fees: Fee = Decimal(0)

    @field_validator("symbol")
    @classmethod
    def _symbol(cls, v: str) -> str:
        v = v.strip().upper()
        if not v or not all(ch.isalnum() or ch in ".-/^" for ch in v):
            raise ValueError("is not a ticker symbol")
        return v

    @model_validator(mode="after")
    def _shape(self) -> ManualLeg:
        if self.quantity == 0:
            raise ValueError("quantity must not be zero (+ bought, - sold)")
        if self.kind == "stock" and (self.strike is not None or self.expiration is not None):
            raise ValueError("a stock leg has no strike or expiration")
        if self.kind != "stock" and (self.strike is None or self.expiration is None):
            raise ValueError("an option leg needs a strike and an expiration")
        if self.kind != "stock" and self.quantity != self.quantity.to_integral_value():
            raise ValueError("option quantities are whole contracts")
        if (self.closed_at is None) != (self.close_price is None):
            raise ValueError("give both closed_at and close_price, or neither")
        if self.closed_at is not None and self.closed_at <= self.opened_at:
            raise ValueError("closed_at must be after opened_at")
        return self


class ManualTrade(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account_id: int = Field(ge=1, le=2**31 - 1)
    legs: list[ManualLeg] = Field(min_length=1, max_length=8)

    @model_validator(mode="after")
    def _one_trade(self) -> ManualTrade:
        if len({leg.symbol for leg in self.legs}) != 1:
            raise ValueError("every leg of one trade is on the same underlying")
        if len({leg.opened_at for leg in self.legs}) != 1:
            raise ValueError("the legs of one trade open together (one opened_at)")
        return self


# --- analytics ----------------------------------------------------------------------------------


class FindingRead(BaseModel):
    kind: str
    sentence: str
    n: int
    caution: bool
    tone: str
    numbers: dict[str, float | int | str]


class PatternsRead(BaseModel):
    findings: list[FindingRead]


# --- filters (query strings) --------------------------------------------------------------------


class TradeFilters(BaseModel):
    """What a trades list, the stats, the patterns and an export cover. ``from``/``to`` are New
    York dates, inclusive, on a closed trade's close date and an open trade's open date;
    ``strategy`` is a structure (``iron_condor``), a family (``credit_spread``, ``condor``) or
    several, comma-separated."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    account_id: int | None = Field(None, ge=1, le=2**31 - 1)
    symbol: str | None = Field(None, min_length=1, max_length=20)
    strategy: str | None = Field(None, min_length=1, max_length=300)
    tag: str | None = Field(None, min_length=1, max_length=40)
    status: Literal["open", "closed"] | None = None
    side: Literal["credit", "debit"] | None = None
    from_: date | None = Field(None, alias="from")
    to: date | None = None

    @model_validator(mode="after")
    def _range(self) -> TradeFilters:
        if self.from_ is not None and self.to is not None and self.from_ > self.to:
            raise ValueError("'from' must be on or before 'to'")
        return self

    def echo(self) -> dict[str, Any]:
        """The filters as given (for a card to reopen the tab with)."""
        return {
            k: v for k, v in self.model_dump(mode="json", by_alias=True).items() if v is not None
        }


class TradeListParams(TradeFilters):
    sort: Literal["opened_at", "closed_at", "net", "symbol", "r"] = "opened_at"
    order: Literal["asc", "desc"] = "desc"
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)
