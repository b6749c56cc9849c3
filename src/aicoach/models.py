"""Every slice's ORM models, imported so Alembic and tests see the whole schema."""

from __future__ import annotations

from aicoach.accounts import models as accounts_models
from aicoach.kit.orm import Base

metadata = Base.metadata

__all__ = ["accounts_models", "metadata"]
