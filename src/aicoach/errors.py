"""One error tree for the whole application.

Every error a user can cause or meet is an ``AICoachError`` carrying its HTTP status; the web
handlers render it as JSON for the API, a toast for HTMX and a page otherwise. No bare
``ValueError`` reaches HTTP.

    AICoachError (400)
     ├── BadRequestError (400)
     ├── ValidationFailedError (422)
     ├── AuthenticationRequiredError (401)
     ├── PermissionDeniedError (403)
     │    └── CSRFError (403)
     ├── NotFoundError (404)
     ├── ConflictError (409)
     ├── PayloadTooLargeError (413)
     ├── RateLimitedError (429, Retry-After)
     └── ServiceUnavailableError (503, Retry-After)
          └── (slices' provider errors, e.g. marketdata.errors.ProviderUnavailableError)

Slices add their own subclasses in ``<slice>/errors.py``.
"""

from __future__ import annotations

from typing import ClassVar


class AICoachError(Exception):
    """Base of every error we raise on purpose; ``message`` is shown to the user as is."""

    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        if self.retry_after is None:
            return {}
        return {"Retry-After": str(max(1, round(self.retry_after)))}


class BadRequestError(AICoachError):
    status_code = 400
    code = "bad_request"


class ValidationFailedError(AICoachError):
    status_code = 422
    code = "validation_failed"


class AuthenticationRequiredError(AICoachError):
    status_code = 401
    code = "authentication_required"


class PermissionDeniedError(AICoachError):
    status_code = 403
    code = "permission_denied"


class CSRFError(PermissionDeniedError):
    code = "csrf_failed"


class NotFoundError(AICoachError):
    status_code = 404
    code = "not_found"


class ConflictError(AICoachError):
    status_code = 409
    code = "conflict"


class PayloadTooLargeError(AICoachError):
    status_code = 413
    code = "payload_too_large"


class RateLimitedError(AICoachError):
    status_code = 429
    code = "rate_limited"


class ServiceUnavailableError(AICoachError):
    status_code = 503
    code = "service_unavailable"
