"""Every slice's ORM models, imported so Alembic and tests see the whole schema."""

from __future__ import annotations

from aicoach.accounts import models as accounts_models
from aicoach.chat import models as chat_models
from aicoach.kit.orm import Base
from aicoach.positions import models as positions_models
from aicoach.watchlist import models as watchlist_models

metadata = Base.metadata

__all__ = [
    "accounts_models",
    "chat_models",
    "metadata",
    "positions_models",
    "watchlist_models",
]
