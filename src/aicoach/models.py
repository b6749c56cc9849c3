"""The whole schema: the platform's ORM models and every slice's (its manifest's ``models``), for
Alembic and tests."""

from __future__ import annotations

import importlib

from aicoach.kit.orm import Base
from aicoach.main import SLICES

#: Models of the platform itself, which belong to no slice.
PLATFORM_MODELS = ("aicoach.worker.outbox", "aicoach.web.idempotency_store")

for _module in (*PLATFORM_MODELS, *(m for manifest in SLICES for m in manifest.models)):
    importlib.import_module(_module)

metadata = Base.metadata

__all__ = ["metadata"]
