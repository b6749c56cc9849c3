"""Account errors."""

from __future__ import annotations

from aicoach.errors import (
    AuthenticationRequiredError,
    ConflictError,
    PermissionDeniedError,
    RateLimitedError,
    ValidationFailedError,
)


class InvalidCredentialsError(AuthenticationRequiredError):
    code = "invalid_credentials"

    def __init__(self) -> None:
        # One message for an unknown email and a wrong password: no account enumeration.
        super().__init__("Email or password is incorrect.")


class LoginThrottledError(RateLimitedError):
    code = "login_throttled"


class EmailTakenError(ConflictError):
    code = "email_taken"


class WeakPasswordError(ValidationFailedError):
    code = "weak_password"


class InviteRequiredError(PermissionDeniedError):
    code = "invite_required"


class AdminRequiredError(PermissionDeniedError):
    code = "admin_required"

    def __init__(self) -> None:
        super().__init__("This needs an administrator.")
