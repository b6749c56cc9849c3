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


class TokenScopeError(PermissionDeniedError):
    """A Bearer token used beyond its scopes (``accounts.scopes``)."""

    code = "token_scope"


class BrowserSessionRequiredError(PermissionDeniedError):
    # A stolen token must not mint more tokens, end the owner's sessions or lock them out.
    code = "browser_session_required"

    def __init__(self) -> None:
        super().__init__(
            "Sessions, API tokens, your password and account settings are managed from "
            "Settings in the browser, not with an API token."
        )
