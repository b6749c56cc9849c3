from tests.chat.chat_helpers import ScriptedLLM, answer, calls, new_chat, send, use_llm, names


async def test_smoke(app, alice):
    use_llm(app, ScriptedLLM([calls(("get_quote", {"symbol": "SPY"})), answer("SPY is ", "up.")]))
    chat = await new_chat(alice)
    status, events, resp = await send(alice, chat["id"], "How is SPY?")
    print(resp.text)
    assert status == 200
    print(names(events))
    r = await alice.get(f"/api/chat/sessions/{chat['id']}/messages")
    print(r.json())
