"""Market-data errors. Adapters translate vendor failures into these (``raise ... from exc``)."""

from __future__ import annotations

from aicoach.errors import (
    NotFoundError,
    ServiceUnavailableError,
    ValidationFailedError,
)


class SymbolNotFoundError(NotFoundError):
    code = "symbol_not_found"

    def __init__(self, symbol: str) -> None:
        super().__init__(f"Unknown symbol '{symbol}'.")
        self.symbol = symbol


class ExpirationNotFoundError(NotFoundError):
    code = "expiration_not_found"


class InvalidBarRangeError(ValidationFailedError):
    code = "invalid_range"


class ProviderError(ServiceUnavailableError):
    """The provider failed; ``retry_after`` seconds is our best guess at when to try again."""

    code = "provider_error"


class ProviderUnavailableError(ProviderError):
    code = "provider_unavailable"


class ProviderRateLimitedError(ProviderError):
    code = "provider_rate_limited"


class ProviderAuthError(ProviderError):
    code = "provider_auth"


class ProviderResponseError(ProviderError):
    """The provider answered with something we cannot read."""

    code = "provider_bad_response"


# --- calendar, resampling, files provider and service (added with cache/service/files) ---------


class TimeframeNotSupportedError(ValidationFailedError):
    """The provider has no bars of this timeframe for this symbol.

    ``available`` lists the timeframes it does have (empty when unknown), so the market-data
    service can resample from one of them instead.
    """

    code = "timeframe_not_supported"

    def __init__(
        self, symbol: str, timeframe: str, available: tuple[str, ...] = (), *, provider: str = ""
    ) -> None:
        where = f" from the {provider} provider" if provider else ""
        have = f"; available: {', '.join(available)}" if available else ""
        super().__init__(f"No {timeframe} bars for '{symbol}'{where}{have}.")
        self.symbol = symbol
        self.timeframe = timeframe
        self.available = available


class OptionsNotAvailableError(NotFoundError):
    """The provider carries no options data at all (e.g. the trader's own OHLCV files)."""

    code = "options_not_available"


class InvalidSymbolError(ValidationFailedError):
    code = "invalid_symbol"


class NotASessionError(ValidationFailedError):
    """A date that is not an NYSE trading session where one was required."""

    code = "not_a_session"


class CalendarRangeError(ValidationFailedError):
    """A date outside the range the exchange calendar covers."""

    code = "calendar_out_of_range"


class BadDataFileError(ValidationFailedError):
    """A market-data file (files provider) is unreadable or misses a column; the message names
    the file and the problem."""

    code = "bad_data_file"
