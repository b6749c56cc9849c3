"""Validation errors read like a person wrote them, all at once, on pages and in the API."""

from __future__ import annotations

import httpx
import pytest
from pydantic import BaseModel, EmailStr, Field, ValidationError

from aicoach.web.validation import field_label, readable, summary
from tests.helpers.users import UserClient


class _Form(BaseModel):
    email: EmailStr
    password: str = Field(min_length=12)
    strikes: list[float] = Field(max_length=2)


def test_every_problem_in_plain_words() -> None:
    try:
        _Form.model_validate({"email": "nobody", "password": "short", "strikes": [1, "x"]})
    except ValidationError as exc:
        problems = readable(exc.errors())
    messages = [p.message for p in problems]
    assert "An email address must have an @-sign." in " ".join(messages)
    assert "Password must be at least 12 characters." in messages
    assert "Strike 2 must be a number." in messages
    with pytest.raises(ValidationError) as too_many:
        _Form.model_validate({"email": "a@example.com", "password": "x" * 12, "strikes": [1] * 3})
    assert [p.message for p in readable(too_many.value.errors())] == [
        "Strikes can have at most 2 items."
    ]
    assert all("value is not" not in m and "Value error" not in m for m in messages)
    assert summary(problems).count(".") >= 3


def test_field_labels() -> None:
    assert field_label(["legs", 1, "strike"]) == "Leg 2 strike"
    assert field_label(["opened_at"]) == "Opened at"
    assert field_label([]) == "The request"


async def test_the_api_lists_every_problem(alice: UserClient) -> None:
    response = await alice.post("/api/positions", json={"legs": [{"symbol": ""}]})
    assert response.status_code == 422
    error = response.json()["error"]
    assert len(error["details"]) >= 2
    for detail in error["details"]:
        assert detail["message"] in error["message"]
    assert "Field required" not in error["message"]


async def test_signup_shows_every_problem_at_once(client: httpx.AsyncClient) -> None:
    page = await client.get("/signup")
    token = client.cookies.get("aicoach_csrf") or ""
    response = await client.post(
        "/signup",
        data={"email": "nobody", "password": "x", "display_name": "", "csrf_token": token},
    )
    assert response.status_code in (200, 422), page.status_code
    text = response.text
    assert "@-sign" in text
    assert "value is not a valid email address" not in text
