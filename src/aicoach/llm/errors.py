"""Errors of the LLM adapters. Every vendor failure becomes one of these (``raise … from exc``).

All are ``ServiceUnavailableError`` (HTTP 503): whatever went wrong with the AI provider, the
trader's request was fine. Messages are written for the trader, name the provider, and never
contain an API key (the transport redacts vendor text before quoting it)::

    ServiceUnavailableError (aicoach.errors)
     └── LLMError
          ├── LLMRateLimitedError       429 after our retries; retry_after = seconds to wait
          ├── LLMAuthError              401/403: key missing, wrong or without access
          ├── LLMRequestRejectedError   other 4xx: unknown model, context too long, bad schema
          ├── LLMBadResponseError       the answer is not the protocol (garbage, bad JSON)
          ├── LLMTimeoutError           no byte within the timeout (first byte or mid-stream)
          └── LLMUnavailableError       5xx / overloaded / cannot connect, after our retries
               └── LLMStreamInterruptedError  the stream broke off after it had started
"""

from __future__ import annotations

from aicoach.errors import ServiceUnavailableError


class LLMError(ServiceUnavailableError):
    """The AI provider failed; ``retry_after`` is our best guess (seconds) at when to retry."""

    code = "llm_error"


class LLMRateLimitedError(LLMError):
    code = "llm_rate_limited"


class LLMAuthError(LLMError):
    code = "llm_auth"


class LLMRequestRejectedError(LLMError):
    code = "llm_request_rejected"


class LLMBadResponseError(LLMError):
    code = "llm_bad_response"


class LLMTimeoutError(LLMError):
    code = "llm_timeout"


class LLMUnavailableError(LLMError):
    code = "llm_unavailable"


class LLMStreamInterruptedError(LLMUnavailableError):
    """Part of the answer may already have been shown; it is never re-sent (no duplicates)."""

    code = "llm_stream_interrupted"
