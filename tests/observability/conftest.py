"""Fixtures for observability tests: a local Sentry receiver and a clean SDK around each test.

``sentry_sdk.init`` is process-global; every test here ends with the client closed and detached
(``shutdown_sentry``), so no test (here or elsewhere) inherits a live client.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aicoach.config import Settings
from aicoach.observability.sentry import shutdown_sentry
from tests.fakes.sentry_receiver import SentryReceiver

# Values a request carries that must never reach Sentry.
PASSWORD = "hunter2-correct-horse"
SESSION_ID = "sess_Zr8qL3vTnY0pWc5kJ2hF"
CSRF_TOKEN = "csrf_9Kd2LmQ7xPz4RtY1vB6n"
API_TOKEN = "aic_" + "Qw3-rT_9" * 5  # the shape of accounts.security.new_api_token()
PROVIDER_KEY = "massive-key-0f3c9a7e5d1b"


@pytest.fixture
def receiver() -> Iterator[SentryReceiver]:
    with SentryReceiver() as r:
        yield r


@pytest.fixture(autouse=True)
def _sentry_isolated() -> Iterator[None]:
    shutdown_sentry(timeout=0.0)
    yield
    shutdown_sentry(timeout=2.0)


@pytest.fixture(autouse=True)
def _restore_root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def obs_settings(tmp_path: Path, **values: Any) -> Settings:
    base: dict[str, Any] = {
        "env": "test",
        "secret_key": "test-secret-key-that-is-long-enough-0123456789",
        "data_dir": tmp_path,
        "log_json": True,
        "massive_api_key": PROVIDER_KEY,
    }
    base.update(values)
    return Settings.model_validate(base)
