"""Settings validation and the foundation CLI commands, run as a user would run them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from aicoach import __version__
from aicoach.cli import app
from aicoach.config import Settings, format_settings_error

runner = CliRunner()


def test_production_refuses_the_default_secret() -> None:
    with pytest.raises(ValidationError) as info:
        Settings(env="production")  # type: ignore[arg-type]
    assert "AICOACH_SECRET_KEY is still the development default" in format_settings_error(
        info.value
    )
    Settings(env="production", secret_key="x" * 40)  # type: ignore[arg-type]


def test_each_bad_value_gets_a_readable_line() -> None:
    with pytest.raises(ValidationError) as info:
        Settings(log_level="LOUD", database_url="mysql://x", sentry_traces_sample_rate=3)  # type: ignore[arg-type]
    message = format_settings_error(info.value)
    assert "AICOACH_LOG_LEVEL" in message and "DEBUG, INFO" in message
    assert "AICOACH_DATABASE_URL" in message and "postgresql://" in message
    assert "AICOACH_SENTRY_TRACES_SAMPLE_RATE" in message


def test_well_known_variables_work_without_the_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db/app")
    monkeypatch.setenv("AICOACH_INVITE_ONLY", "true")
    settings = Settings()
    assert settings.effective_database_url == "postgresql+asyncpg://u@db/app"
    assert settings.invite_only is True
    assert settings.jobs_in_process is True


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and __version__ in result.stdout


def test_bad_configuration_exits_with_the_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AICOACH_LOG_LEVEL", "LOUD")
    result = runner.invoke(app, ["db", "current"])
    assert result.exit_code == 2
    assert "Invalid configuration" in result.output and "AICOACH_LOG_LEVEL" in result.output


def test_db_upgrade_current_and_create_admin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AICOACH_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    before = runner.invoke(app, ["db", "current"])
    assert "(empty database)" in before.output
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    after = runner.invoke(app, ["db", "current"])
    assert "✓" in after.output
    weak = runner.invoke(app, ["create-admin", "boss@example.com", "--password", "short"])
    assert weak.exit_code == 1 and "at least 10" in weak.output
    made = runner.invoke(
        app, ["create-admin", "boss@example.com", "--password", "a strong passphrase"]
    )
    assert made.exit_code == 0 and "boss@example.com" in made.output


def test_the_installed_command_runs() -> None:
    exe = Path(sys.executable).parent / "aicoach"
    out = subprocess.run([str(exe), "--help"], capture_output=True, text=True, check=True).stdout
    for command in ("serve", "worker", "db", "create-admin"):
        assert command in out
