"""The whole schema: every slice's ORM models (its manifest's ``models``), for Alembic and tests."""

from __future__ import annotations

import importlib

from aicoach.kit.orm import Base
from aicoach.main import SLICES

for _manifest in SLICES:
    for _module in _manifest.models:
        importlib.import_module(_module)

metadata = Base.metadata

__all__ = ["metadata"]
