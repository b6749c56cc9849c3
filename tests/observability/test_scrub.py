"""The scrubber on its own: keys, known secrets, patterns, structures, breadcrumbs, the SDK's."""

from __future__ import annotations

import json

from pydantic import SecretStr

from aicoach.observability.scrub import (
    FILTERED,
    Scrubber,
    expand_raw_secrets,
    is_sensitive_key,
    sdk_event_scrubber,
)
from tests.observability.conftest import API_TOKEN, CSRF_TOKEN, PASSWORD, PROVIDER_KEY, SESSION_ID


def _event() -> dict[str, object]:
    return {
        "message": f"login failed password={PASSWORD} with Bearer {API_TOKEN}",
        "request": {
            "url": f"https://app.example/api/x?apiKey={PROVIDER_KEY}&page=2",
            "query_string": f"token={API_TOKEN}&page=2",
            "headers": {
                "Cookie": f"aicoach_session={SESSION_ID}; aicoach_csrf={CSRF_TOKEN}",
                "X-CSRF-Token": CSRF_TOKEN,
                "Authorization": f"Bearer {API_TOKEN}",
                "Accept": "application/json",
            },
            "cookies": {"aicoach_session": SESSION_ID},
            "data": {"email": "a@example.com", "password": PASSWORD, "nested": [{"pwd": "x" * 9}]},
        },
        "extra": {"provider": {"api_key": PROVIDER_KEY, "calls": 3}, "note": PROVIDER_KEY},
        "contexts": {"llm": {"input_tokens": 812, "auth": "Basic dXNlcjpwYXNzd29yZA=="}},
        "breadcrumbs": {
            "values": [
                {
                    "category": "httpx",
                    "data": {"url": f"https://api.massive.com/v3?apiKey={PROVIDER_KEY}"},
                },
                {"message": f"session {SESSION_ID} touched"},
            ]
        },
        "exception": {
            "values": [
                {
                    "type": "RuntimeError",
                    "value": f"boom for {API_TOKEN}",
                    "stacktrace": {
                        "frames": [
                            {
                                "function": "handler",
                                "context_line": '    password = body["password"]',
                                "vars": {
                                    "session_id": SESSION_ID,
                                    "body": {"password": PASSWORD},
                                    "raw": repr(json.dumps({"password": PASSWORD}).encode()),
                                    "count": 3,
                                },
                            }
                        ]
                    },
                }
            ]
        },
        "spans": [{"op": "db", "data": {"db.statement": "select 1", "token": API_TOKEN}}],
    }


def test_sensitive_keys_by_normalised_substring() -> None:
    for key in (
        "password", "Password", "new_password", "X-CSRF-Token", "csrftoken", "Set-Cookie",
        "aicoach_session", "sessionid", "apiKey", "api-key", "Authorization", "client_secret",
        "sid", "access_token",
    ):  # fmt: skip
        assert is_sensitive_key(key), key
    for key in ("email", "symbol", "strike", "request_id", "user_id", "url", "count"):
        assert not is_sensitive_key(key), key


def test_event_keeps_no_secret_anywhere() -> None:
    scrubber = Scrubber(secrets=[SecretStr(PROVIDER_KEY), None])
    event = scrubber.scrub(_event(), extra_secrets=[SESSION_ID, CSRF_TOKEN])
    text = json.dumps(event)
    for secret in (PASSWORD, SESSION_ID, CSRF_TOKEN, API_TOKEN, PROVIDER_KEY, "dXNlcjpwYXNzd29yZA"):
        assert secret not in text, secret
    # What is not secret survives, so the event stays useful.
    assert event["request"]["headers"]["Accept"] == "application/json"
    assert event["request"]["data"]["email"] == "a@example.com"
    assert event["contexts"]["llm"]["input_tokens"] == 812
    assert "page=2" in event["request"]["query_string"]
    assert event["request"]["data"]["password"] == FILTERED
    frame = event["exception"]["values"][0]["stacktrace"]["frames"][0]
    assert frame["vars"]["count"] == 3
    # Source lines are only checked for known secrets: code stays readable.
    assert frame["context_line"] == '    password = body["password"]'


def test_patterns_without_known_secrets() -> None:
    scrubber = Scrubber()
    out = scrubber.scrub_text(
        f"Authorization: Bearer {API_TOKEN} and ?api_key=abc123def&x=1 "
        f'{{"password": "{PASSWORD}"}} token {API_TOKEN}'
    )
    assert API_TOKEN not in out and "abc123def" not in out and PASSWORD not in out
    assert "x=1" in out and out.startswith("Authorization: [Filtered]")


def test_known_secret_inside_unrelated_text_and_longest_first() -> None:
    scrubber = Scrubber(secrets=["abcdef", "abcdefghij"])
    assert scrubber.scrub_text("v=abcdefghij!") == f"v={FILTERED}!"
    # Too-short values are not treated as secrets (they would erase ordinary words).
    assert Scrubber(secrets=["ab"]).scrub_text("abba") == "abba"


def test_breadcrumb_and_tuple_payloads() -> None:
    scrubber = Scrubber(secrets=[PROVIDER_KEY])
    crumb = {"message": f"GET /x?apiKey={PROVIDER_KEY}", "data": {"args": (PROVIDER_KEY, 1)}}
    out = scrubber.scrub(crumb)
    assert PROVIDER_KEY not in json.dumps(out)
    assert out["data"]["args"][1] == 1


def test_expand_raw_secrets_splits_cookie_and_authorization() -> None:
    found = expand_raw_secrets(
        [
            ("cookie", f"aicoach_session={SESSION_ID}; aicoach_csrf={CSRF_TOKEN}; theme=dark"),
            ("authorization", f"Bearer {API_TOKEN}"),
            ("x-csrf-token", CSRF_TOKEN),
        ]
    )
    assert SESSION_ID in found and CSRF_TOKEN in found and API_TOKEN in found
    assert "dark" not in found  # shorter than a secret can be


def test_sdk_scrubber_knows_our_cookie_names() -> None:
    scrubber = sdk_event_scrubber()
    event = {
        "request": {
            "cookies": {"aicoach_session": SESSION_ID, "aicoach_csrf": CSRF_TOKEN},
            "headers": {"x-csrf-token": CSRF_TOKEN},
            "data": {"deep": {"password": PASSWORD}},
        }
    }
    scrubber.scrub_event(event)  # type: ignore[arg-type]
    assert SESSION_ID not in repr(event) and CSRF_TOKEN not in repr(event)
    assert PASSWORD not in repr(event)
