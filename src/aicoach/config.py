"""Settings, read from ``AICOACH_*`` environment variables and a ``.env`` file.

The well-known variables of the outside world (``DATABASE_URL``, ``REDIS_URL``, ``SENTRY_DSN``,
``MASSIVE_API_KEY``, ...) are accepted with or without the prefix, so a platform that injects them
works unchanged. Every variable is documented with its default in ``.env.example``.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_KEY = "dev-insecure-secret-key-change-me"  # noqa: S105 (refused outside dev)


def _env(name: str) -> AliasChoices:
    """Accept ``AICOACH_<NAME>`` and the bare ``<NAME>``."""
    return AliasChoices(f"AICOACH_{name}", name)


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class MarketDataProviderName(StrEnum):
    SIMULATED = "simulated"
    MASSIVE = "massive"
    FILES = "files"


class LLMProviderName(StrEnum):
    OFFLINE = "offline"
    OPENAI = "openai"
    ANTHROPIC = "anthropic"


Rate = Annotated[float, Field(ge=0.0, le=1.0)]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    # --- app --------------------------------------------------------------------------------
    env: Environment = Field(Environment.DEVELOPMENT, validation_alias=_env("ENV"))
    secret_key: SecretStr = Field(SecretStr(DEV_SECRET_KEY), validation_alias=_env("SECRET_KEY"))
    data_dir: Path = Field(Path("data"), validation_alias=_env("DATA_DIR"))
    base_url: str = Field("http://127.0.0.1:8000", validation_alias=_env("BASE_URL"))
    max_body_bytes: int = Field(1_000_000, ge=1024, validation_alias=_env("MAX_BODY_BYTES"))
    #: File uploads (broker exports) may be this large; the importing route checks its own limit.
    max_upload_bytes: int = Field(52_000_000, ge=1024, validation_alias=_env("MAX_UPLOAD_BYTES"))
    log_level: str = Field("INFO", validation_alias=_env("LOG_LEVEL"))
    log_json: bool = Field(True, validation_alias=_env("LOG_JSON"))

    # --- database and jobs ------------------------------------------------------------------
    database_url: str | None = Field(None, validation_alias=_env("DATABASE_URL"))
    migrate_on_start: bool = Field(True, validation_alias=_env("MIGRATE_ON_START"))
    redis_url: str | None = Field(None, validation_alias=_env("REDIS_URL"))
    run_jobs_in_process: bool | None = Field(None, validation_alias=_env("RUN_JOBS_IN_PROCESS"))

    # --- accounts ---------------------------------------------------------------------------
    invite_only: bool = Field(False, validation_alias=_env("INVITE_ONLY"))
    session_ttl_hours: int = Field(24 * 14, ge=1, validation_alias=_env("SESSION_TTL_HOURS"))
    password_min_length: int = Field(10, ge=8, validation_alias=_env("PASSWORD_MIN_LENGTH"))
    login_max_failures: int = Field(5, ge=1, validation_alias=_env("LOGIN_MAX_FAILURES"))
    password_hash_concurrency: int = Field(
        2, ge=1, le=64, validation_alias=_env("PASSWORD_HASH_CONCURRENCY")
    )
    login_address_max_failures: int = Field(
        25, ge=1, validation_alias=_env("LOGIN_ADDRESS_MAX_FAILURES")
    )
    login_lockout_base_seconds: float = Field(
        30.0, gt=0, validation_alias=_env("LOGIN_LOCKOUT_BASE_SECONDS")
    )

    # --- observability ----------------------------------------------------------------------
    sentry_dsn: str | None = Field(None, validation_alias=_env("SENTRY_DSN"))
    sentry_environment: str | None = Field(None, validation_alias=_env("SENTRY_ENVIRONMENT"))
    sentry_release: str | None = Field(None, validation_alias=_env("SENTRY_RELEASE"))
    sentry_traces_sample_rate: Rate = Field(0.0, validation_alias=_env("SENTRY_TRACES_SAMPLE_RATE"))
    #: Per-route trace rates over the default, by path prefix (the longest prefix wins), as JSON:
    #: ``{"/api/chat/": 1.0, "/api/options/": 0.5, "/healthz": 0}``.
    sentry_traces_route_rates: dict[str, Rate] = Field(
        default_factory=dict, validation_alias=_env("SENTRY_TRACES_ROUTE_RATES")
    )
    sentry_browser_dsn: str | None = Field(None, validation_alias=_env("SENTRY_BROWSER_DSN"))
    #: Browser envelopes the Sentry tunnel forwards per client address, and in all, per minute.
    sentry_tunnel_per_client_per_minute: int = Field(
        60, ge=1, validation_alias=_env("SENTRY_TUNNEL_PER_CLIENT_PER_MINUTE")
    )
    sentry_tunnel_per_minute: int = Field(
        600, ge=1, validation_alias=_env("SENTRY_TUNNEL_PER_MINUTE")
    )
    #: Bearer token ``GET /metrics`` requires; unset, it is served to loopback clients only.
    metrics_token: SecretStr | None = Field(None, validation_alias=_env("METRICS_TOKEN"))
    sentry_replay_session_sample_rate: Rate = Field(
        0.0, validation_alias=_env("SENTRY_REPLAY_SESSION_SAMPLE_RATE")
    )
    sentry_replay_on_error_sample_rate: Rate = Field(
        0.0, validation_alias=_env("SENTRY_REPLAY_ON_ERROR_SAMPLE_RATE")
    )

    # --- market data ------------------------------------------------------------------------
    market_data_provider: MarketDataProviderName = Field(
        MarketDataProviderName.SIMULATED, validation_alias=_env("MARKET_DATA_PROVIDER")
    )
    simulated_seed: int = Field(7, validation_alias=_env("SIMULATED_SEED"))
    massive_api_key: SecretStr | None = Field(None, validation_alias=_env("MASSIVE_API_KEY"))
    massive_base_url: str = Field(
        "https://api.massive.com", validation_alias=_env("MASSIVE_BASE_URL")
    )
    massive_ws_url: str = Field(
        "wss://delayed.massive.com/stocks", validation_alias=_env("MASSIVE_WS_URL")
    )
    massive_realtime: bool = Field(False, validation_alias=_env("MASSIVE_REALTIME"))
    files_dir: Path | None = Field(None, validation_alias=_env("FILES_DIR"))
    cache_ttl_seconds: float = Field(15.0, ge=0, validation_alias=_env("CACHE_TTL_SECONDS"))
    risk_free_rate: float = Field(0.04, ge=-0.05, le=0.25, validation_alias=_env("RISK_FREE_RATE"))

    # --- LLM (aicoach.llm; docs/adr/0003-llm-adapters.md) -------------------------------------
    llm_provider: LLMProviderName = Field(
        LLMProviderName.OFFLINE, validation_alias=_env("LLM_PROVIDER")
    )
    openai_api_key: SecretStr | None = Field(None, validation_alias=_env("OPENAI_API_KEY"))
    openai_base_url: str = Field(
        "https://api.openai.com/v1", validation_alias=_env("OPENAI_BASE_URL")
    )
    openai_model: str = Field("gpt-4o-mini", min_length=1, validation_alias=_env("OPENAI_MODEL"))
    anthropic_api_key: SecretStr | None = Field(None, validation_alias=_env("ANTHROPIC_API_KEY"))
    anthropic_base_url: str = Field(
        "https://api.anthropic.com", validation_alias=_env("ANTHROPIC_BASE_URL")
    )
    anthropic_model: str = Field(
        "claude-haiku-4-5", min_length=1, validation_alias=_env("ANTHROPIC_MODEL")
    )
    llm_temperature: float = Field(0.3, ge=0.0, le=2.0, validation_alias=_env("LLM_TEMPERATURE"))
    llm_max_tokens: int = Field(1500, ge=16, le=200_000, validation_alias=_env("LLM_MAX_TOKENS"))
    llm_timeout_seconds: float = Field(
        60.0, gt=0, le=600, validation_alias=_env("LLM_TIMEOUT_SECONDS")
    )
    llm_max_retries: int = Field(2, ge=0, le=10, validation_alias=_env("LLM_MAX_RETRIES"))
    llm_price_input_per_mtok: float | None = Field(
        None, ge=0, validation_alias=_env("LLM_PRICE_INPUT_PER_MTOK")
    )
    llm_price_output_per_mtok: float | None = Field(
        None, ge=0, validation_alias=_env("LLM_PRICE_OUTPUT_PER_MTOK")
    )

    @field_validator(
        "openai_api_key",
        "anthropic_api_key",
        "llm_price_input_per_mtok",
        "llm_price_output_per_mtok",
        mode="before",
    )
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        """``OPENAI_API_KEY=`` (as in .env.example) means no key, not an empty one."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("openai_base_url", "anthropic_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _llm_key_present(self) -> Settings:
        """Fail at start-up, not on the first chat: the vendors' own hosts need a key (local
        OpenAI-compatible servers do not)."""
        provider = self.llm_provider
        if (
            provider is LLMProviderName.ANTHROPIC
            and self.anthropic_api_key is None
            and "api.anthropic.com" in self.anthropic_base_url
        ):
            raise ValueError("LLM_PROVIDER=anthropic needs ANTHROPIC_API_KEY")
        if (
            provider is LLMProviderName.OPENAI
            and self.openai_api_key is None
            and "api.openai.com" in self.openai_base_url
        ):
            raise ValueError(
                "LLM_PROVIDER=openai needs OPENAI_API_KEY "
                "(or OPENAI_BASE_URL pointing at a local OpenAI-compatible server)"
            )
        return self

    # --- end LLM ------------------------------------------------------------------------------

    # --- chat (chat.service, chat.routes) ---------------------------------------------------
    chat_rate_limit_per_minute: int = Field(
        20, ge=1, le=10_000, validation_alias=_env("CHAT_RATE_LIMIT_PER_MINUTE")
    )
    chat_max_tool_rounds: int = Field(6, ge=1, le=20, validation_alias=_env("CHAT_MAX_TOOL_ROUNDS"))
    chat_history_messages: int = Field(
        30, ge=0, le=500, validation_alias=_env("CHAT_HISTORY_MESSAGES")
    )
    chat_tool_timeout_seconds: float = Field(
        20.0, gt=0, le=300, validation_alias=_env("CHAT_TOOL_TIMEOUT_SECONDS")
    )
    #: A ``streaming`` answer whose writer has not beaten its heartbeat (every third of this) for
    #: this long was interrupted (its instance died): it is swept to a retryable error.
    chat_interrupted_after_seconds: float = Field(
        30.0, ge=0.5, le=3600, validation_alias=_env("CHAT_INTERRUPTED_AFTER_SECONDS")
    )
    # --- end chat -----------------------------------------------------------------------------

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str | None) -> str | None:
        """Accept the usual ``postgresql://`` spelling and pick the async driver ourselves."""
        if value is None or value == "":
            return None
        for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
            if value.startswith(prefix):
                return "postgresql+asyncpg://" + value[len(prefix) :]
        if value.startswith("sqlite://") and not value.startswith("sqlite+aiosqlite://"):
            return "sqlite+aiosqlite://" + value[len("sqlite://") :]
        if not value.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
            raise ValueError("must be a postgresql:// or sqlite:// URL")
        return value

    @model_validator(mode="after")
    def _no_default_secret_outside_dev(self) -> Settings:
        if self.env is not Environment.DEVELOPMENT and self.env is not Environment.TEST:
            if self.secret_key.get_secret_value() == DEV_SECRET_KEY:
                raise ValueError(
                    "AICOACH_SECRET_KEY is still the development default; "
                    "set a long random value outside development"
                )
            if len(self.secret_key.get_secret_value()) < 32:
                raise ValueError("AICOACH_SECRET_KEY must be at least 32 characters")
        return self

    @cached_property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'aicoach.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @property
    def jobs_in_process(self) -> bool:
        """Consume jobs inside ``serve``: the default on SQLite, off when Redis is configured."""
        if self.run_jobs_in_process is not None:
            return self.run_jobs_in_process
        return self.redis_url is None


def format_settings_error(exc: Exception) -> str:
    """One readable line per bad value, for the start-up failure message."""
    from pydantic import ValidationError

    if not isinstance(exc, ValidationError):
        return str(exc)
    lines = ["Invalid configuration:"]
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "settings"
        name = f"AICOACH_{where.upper()}" if where != "settings" else where
        lines.append(f"  - {name}: {error['msg']}")
    return "\n".join(lines)
