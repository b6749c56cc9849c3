"""``GET /?session=...`` takes only a plausible row id: "²" (``isdigit`` says yes) and a
5,000-digit number open the shell with no conversation selected, never a 500."""

from __future__ import annotations

import pytest

from tests.helpers.users import UserClient


@pytest.mark.parametrize(
    "value", ["%C2%B2", "5" * 5000, "0", "-1", "2147483648", "%EF%BC%91", "1e3", " 1"]
)
async def test_odd_session_ids_open_the_shell(alice: UserClient, value: str) -> None:
    await alice.post("/api/chat/sessions", json={})
    response = await alice.get(f"/?session={value}")
    assert response.status_code == 200
    assert 'aria-current="page"' not in response.text


async def test_a_real_session_id_is_selected(alice: UserClient) -> None:
    chat = (await alice.post("/api/chat/sessions", json={})).json()
    response = await alice.get(f"/?session={chat['id']}")
    assert response.status_code == 200 and 'aria-current="page"' in response.text
