"""Start PostgreSQL and Redis for the test suite when they are installed but not running."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.helpers.services import ensure_postgres, ensure_redis

if __name__ == "__main__":
    ensure_postgres()
    ensure_redis()
    print("PostgreSQL and Redis are up.")
