"""Request and response schemas for accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, field_validator

from aicoach.accounts import scopes
from aicoach.accounts.models import Role
from aicoach.accounts.scopes import Scope

Password = Annotated[str, Field(min_length=1, max_length=256)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class SignupIn(Strict):
    email: EmailStr
    password: Password
    display_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=80)] = ""
    invite_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] = ""


class LoginIn(Strict):
    email: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=320)]
    password: Password


class PasswordChangeIn(Strict):
    current_password: Password
    new_password: Password


class ProfileUpdate(Strict):
    display_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=80)]


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    email: str
    display_name: str
    role: Role
    created_at: datetime


class SessionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    user_agent: str
    ip_address: str
    current: bool = False


class ApiTokenCreate(Strict):
    name: Name
    expires_in_days: Annotated[int, Field(ge=1, le=3650)] | None = None
    scopes: Annotated[
        list[Scope],
        Field(
            min_length=1,
            max_length=3,
            description="read: GET only; trade: read + changes; admin: trade + admin routes "
            "(administrators only). Each includes the ones before it.",
        ),
    ] = [Scope.READ]


class ApiTokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    scopes: list[Scope]

    @field_validator("scopes", mode="before")
    @classmethod
    def _stored(cls, value: object) -> object:
        # Stored as one space-separated string (``accounts.scopes``).
        return scopes.expand(scopes.decode(value)) if isinstance(value, str) else value


class ApiTokenCreated(ApiTokenRead):
    token: str = Field(description="The secret; shown once, never again.")


class InviteCreate(Strict):
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    expires_in_days: Annotated[int, Field(ge=1, le=365)] | None = 14


class InviteRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str
    note: str
    created_at: datetime
    expires_at: datetime | None
    used_at: datetime | None
    revoked_at: datetime | None
