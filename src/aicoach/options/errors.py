"""Errors of the options application layer (chains, analysis); the pure cores keep their own.

ValidationFailedError (422)
 ├── ExpirationExpiredError        the expiration's close has passed
 ├── StrikeNotListedError          no such strike in that expiration's chain
 └── AnalysisRequestError          a request the analysis cannot run (mixed underlyings, ...)
NotFoundError (404)
 └── ExpirationNotListedError      not an expiration the provider lists for the symbol
"""

from __future__ import annotations

from aicoach.errors import NotFoundError, ValidationFailedError


class ExpirationExpiredError(ValidationFailedError):
    code = "expiration_expired"


class ExpirationNotListedError(NotFoundError):
    code = "expiration_not_listed"


class StrikeNotListedError(ValidationFailedError):
    code = "strike_not_listed"


class AnalysisRequestError(ValidationFailedError):
    code = "analysis_request_invalid"
