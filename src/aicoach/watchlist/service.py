"""The watchlist's rules. A trader who never changed it sees the defaults (the index ETFs and a
few large names) without anything being written; the first change saves them, then applies."""

from __future__ import annotations

from aicoach.errors import ConflictError, NotFoundError, ValidationFailedError
from aicoach.watchlist.repository import WatchlistRepository

DEFAULT_SYMBOLS = ("SPY", "QQQ", "IWM", "AAPL", "NVDA", "TSLA")
MAX_ITEMS = 100


class WatchlistService:
    def __init__(self, repo: WatchlistRepository, user_id: int) -> None:
        self.repo = repo
        self.user_id = user_id

    async def symbols(self) -> list[str]:
        return await self.repo.symbols(self.user_id) or list(DEFAULT_SYMBOLS)

    async def add(self, symbol: str) -> list[str]:
        """Append a (validated, upper-case) symbol; 409 if it is already there."""
        symbols = await self._saved()
        if symbol in symbols:
            raise ConflictError(f"{symbol} is already on your watchlist.")
        if len(symbols) >= MAX_ITEMS:
            raise ValidationFailedError(f"A watchlist holds at most {MAX_ITEMS} symbols.")
        if not await self.repo.add_all(self.user_id, [symbol], len(symbols)):
            raise ConflictError(f"{symbol} is already on your watchlist.")
        return [*symbols, symbol]

    async def remove(self, symbol: str) -> None:
        await self._saved()
        if not await self.repo.remove(self.user_id, symbol):
            raise NotFoundError(f"{symbol} is not on your watchlist.")

    async def _saved(self) -> list[str]:
        """The stored list, saving the defaults first when there is none (a concurrent request
        saving them too is fine: the unique constraint keeps one copy)."""
        symbols = await self.repo.symbols(self.user_id)
        if symbols:
            return symbols
        await self.repo.add_all(self.user_id, DEFAULT_SYMBOLS, 0)
        return await self.repo.symbols(self.user_id)
