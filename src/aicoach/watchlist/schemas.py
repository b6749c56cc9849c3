"""Watchlist request and response bodies."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class WatchlistAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")
    symbol: str = Field(min_length=1, max_length=20)


class WatchlistRead(BaseModel):
    symbols: list[str]
