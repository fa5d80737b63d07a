"""WS /guide in text mode: auth, role, tools (navigate/explain/launch_test_call), the quick tour with pause and
resume, and bad input — the `make dev` default (rules brain, no Cartesia used)."""
from __future__ import annotations

import asyncio
import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from shared.guide.catalog import load_catalog
from shared.guide.tour import QUICK_TOUR
from shared.settings import load_settings
from tests.integration.guide.conftest import guide_stack
from tests.integration.guide.support import open_guide, said


async def test_guide_refuses_a_missing_or_bad_token(seeded, pool):
    async with guide_stack(pool) as stack:
        for query in ("", "?token=forged"):
            with pytest.raises(InvalidStatus) as info:
                async with connect(f"{stack.base}/guide{query}"):
                    pass
            assert info.value.response.status_code == 403


async def test_text_mode_ready_greeting_navigate_and_explain(seeded, pool):
    async with guide_stack(pool) as stack:
        cm, g, ready = await open_guide(stack.base, "viewer-token", voice=True, greet=True)
        try:
            assert ready["role"] == "viewer"
            greeting = await g.until(lambda m: m == {"type": "state", "state": "idle"})
            assert "Archer" in said(greeting)
            seen = await g.ask("go to the calls page")
            assert {"type": "action", "action": "navigate", "path": "/calls"} in seen
            tool = next(m for m in seen if m["type"] == "tool")
            assert tool["name"] == "navigate" and tool["result"] == {"page": "calls", "path": "/calls"}
            seen = await g.ask("what is the call search?")
            assert {"type": "action", "action": "highlight", "element": "calls-search"} in seen
            assert "Search as you type" in said(seen)
            await g.send({"type": "page", "path": "/compliance"})
            seen = await g.ask("what is this page?")
            assert "Compliance page" in said(seen)
            seen = await g.ask("explain the GO / NO-GO verdict")
            assert {"type": "action", "action": "navigate", "path": "/quality"} in seen
            assert {"type": "action", "action": "highlight", "element": "quality-verdict"} in seen
            seen = await g.ask("sing me a song")
            assert "I can answer questions like" in said(seen)
        finally:
            await cm.__aexit__(None, None, None)


async def test_ready_says_why_voice_is_off_without_a_cartesia_key(seeded, pool):
    async with guide_stack(pool) as stack:
        stack.services.settings = load_settings(archer_env="test", database_url=None)     # no Cartesia key
        cm, g, ready = await open_guide(stack.base, "viewer-token", voice=True)
        try:
            assert ready["voice"] is False and "text chat works" in ready["reason"]
            seen = await g.ask("how many calls today?")
            assert "There were 0 calls today" in said(seen)
        finally:
            await cm.__aexit__(None, None, None)


async def test_launch_test_call_needs_the_supervisor_role(seeded, pool):
    async with guide_stack(pool) as stack:
        cm, g, _ = await open_guide(stack.base, "viewer-token")
        try:
            seen = await g.ask("launch a test call with Maria Gonzalez using the empathetic tactic")
            assert "needs the supervisor role" in said(seen)
            assert not [m for m in seen if m.get("action") == "navigate"]
        finally:
            await cm.__aexit__(None, None, None)
        cm, g, _ = await open_guide(stack.base, "supervisor-token")
        try:
            cur = await seeded.execute("SELECT id FROM customers WHERE account_last_4 = '4821'")
            (maria,) = await cur.fetchone()
            for ask in ("launch a test call with Maria Gonzalez using the empathetic tactic",
                        "start a test call for +1 212 555 0101 with the empathetic gradual tactic",
                        "run a test call to the account ending 4821 with empathetic"):
                seen = await g.ask(ask)
                nav = [m for m in seen if m.get("action") == "navigate"]
                assert nav == [{"type": "action", "action": "navigate",
                                "path": f"/test-call?customer={maria}&tactic=empathetic_gradual&autostart=1"}], seen
                assert "Maria Gonzalez" in said(seen) and "never dials" in said(seen)
                assert "0101" not in json.dumps(seen) or "+1******0101" in json.dumps(seen)
            seen = await g.ask("launch a test call with Nobody Atall")
            assert "couldn't find that customer" in said(seen)
        finally:
            await cm.__aexit__(None, None, None)


def _steps(messages):
    return [m for m in messages if m["type"] == "tour" and m["state"] == "running"]


async def test_quick_tour_runs_every_step_in_order(seeded, pool):
    catalog = load_catalog()
    async with guide_stack(pool) as stack:
        cm, g, _ = await open_guide(stack.base, "viewer-token")
        try:
            await g.send({"type": "text", "text": "take the quick tour"})
            seen = await g.until(lambda m: m["type"] == "tour" and m["state"] == "done", timeout=30)
        finally:
            await cm.__aexit__(None, None, None)
    steps = _steps(seen)
    assert [s["step"] for s in steps] == list(range(len(QUICK_TOUR)))
    assert [(s["page"], s["element"]) for s in steps] == [(t.page, t.element) for t in QUICK_TOUR]
    assert 80_000 <= sum(s["narration_ms"] for s in steps) <= 100_000
    for s in steps:                        # each step navigates to its page and highlights its element
        i = seen.index(s)
        assert seen[i + 1] == {"type": "action", "action": "navigate", "path": catalog.page(s["page"]).path}
        assert seen[i + 2] == {"type": "action", "action": "highlight", "element": s["element"]}
        assert seen[i + 3]["type"] == "say" and seen[i + 3]["text"] == QUICK_TOUR[s["step"]].narration_for(False)
    assert seen[-2:] == [{"type": "state", "state": "idle"}, seen[-1]] or seen[-1]["state"] == "done"
    assert not [m for m in seen if m.get("name") == "launch_test_call"]     # a viewer: that step is narrated only


async def test_the_tour_launches_a_live_simulated_call_for_a_supervisor(seeded, pool):
    live = next(i for i, t in enumerate(QUICK_TOUR) if t.live_call is not None)
    cur = await seeded.execute("SELECT id FROM customers WHERE account_last_4 = '4821'")
    (maria,) = await cur.fetchone()
    launch = f"/test-call?customer={maria}&tactic=empathetic_gradual&autostart=1"
    async with guide_stack(pool, pace=0.05) as stack:
        cm, g, _ = await open_guide(stack.base, "supervisor-token")
        try:
            await g.send({"type": "tour", "action": "start"})
            seen = await g.until(lambda m: m["type"] == "tour" and m.get("step") == live, timeout=30)
            seen += await g.until(lambda m: m["type"] == "say")
            await g.send({"type": "tour", "action": "pause"})
            await g.until(lambda m: m["type"] == "tour" and m["state"] == "paused")
            await g.send({"type": "tour", "action": "resume"})     # the step again: back to that call, no second
            rest = await g.until(lambda m: m["type"] == "tour" and m["state"] == "done", timeout=30)
        finally:
            await cm.__aexit__(None, None, None)
    tool = next(m for m in seen if m["type"] == "tool")
    assert tool["name"] == "launch_test_call" and tool["result"]["path"] == launch
    assert tool["result"]["tactic"] == "empathetic_gradual" and "0101" not in json.dumps(tool)
    step = seen[-4]
    assert step["type"] == "tour" and step["step"] == live and step["narration_ms"] == QUICK_TOUR[live].narration_ms
    assert seen[-3] == {"type": "action", "action": "navigate", "path": launch}
    assert seen[-2] == {"type": "action", "action": "highlight", "element": "testcall-conversation"}
    assert "Maria Gonzalez" in seen[-1]["text"] and seen[-1]["text"] == QUICK_TOUR[live].narration
    navs = [m["path"] for m in rest if m.get("action") == "navigate"]
    assert navs == [launch.removesuffix("&autostart=1")] and not [m for m in rest if m["type"] == "tool"]
    narrated = sum(t.narration_ms_for(True) for t in QUICK_TOUR)
    assert 80_000 <= narrated <= 100_000
    # The socket drops during that step and the page (still showing the call) reconnects: no second call is launched.
    async with guide_stack(pool, pace=0.05) as stack:
        page = launch.removesuffix("&autostart=1")
        cm, g, _ = await open_guide(stack.base, "supervisor-token", page=page,
                                    tour={"name": "quick_tour", "step": live, "state": "running"})
        try:
            again = await g.until(lambda m: m["type"] == "tour" and m["state"] == "done", timeout=30)
        finally:
            await cm.__aexit__(None, None, None)
    assert [m["path"] for m in again if m.get("action") == "navigate"] == [page]
    assert not [m for m in again if m["type"] == "tool"] and "Maria Gonzalez" in said(again)


async def test_tour_pause_interrupt_resume_and_stop(seeded, pool):
    async with guide_stack(pool, pace=0.05) as stack:
        cm, g, _ = await open_guide(stack.base, "viewer-token")
        try:
            await g.send({"type": "tour", "action": "start"})
            await g.until(lambda m: m["type"] == "tour" and m.get("step") == 2)
            await g.send({"type": "tour", "action": "pause"})
            paused = (await g.until(lambda m: m["type"] == "tour" and m["state"] == "paused"))[-1]
            assert paused["step"] in (2, 3)
            await asyncio.sleep(0.3)
            await g.send({"type": "tour", "action": "resume"})
            resumed = (await g.until(lambda m: m["type"] == "tour" and m["state"] == "running"))[-1]
            assert resumed["step"] == paused["step"]            # the current step starts again
            await g.until(lambda m: m["type"] == "tour" and m.get("step") == 5)
            await g.send({"type": "interrupt"})
            paused = (await g.until(lambda m: m["type"] == "tour" and m["state"] == "paused"))[-1]
            seen = await g.ask("how many calls today?")     # a question while paused is answered
            assert "calls today" in said(seen)
            await g.send({"type": "tour", "action": "resume"})
            rest = await g.until(lambda m: m["type"] == "tour" and m["state"] == "done", timeout=30)
            assert [s["step"] for s in _steps(rest)] == list(range(paused["step"], len(QUICK_TOUR)))
            await g.send({"type": "tour", "action": "start"})
            await g.until(lambda m: m["type"] == "tour" and m.get("step") == 1)
            await g.send({"type": "tour", "action": "stop"})
            stopped = (await g.until(lambda m: m["type"] == "tour" and m["state"] == "stopped"))
            assert {"type": "action", "action": "clear_highlight"} in stopped
        finally:
            await cm.__aexit__(None, None, None)


async def test_bad_input_is_answered_with_errors_and_the_session_survives(seeded, pool):
    async with guide_stack(pool) as stack:
        cm, g, _ = await open_guide(stack.base, "viewer-token")
        try:
            for bad, expect in (({"type": "text", "text": ""}, "non-empty"),
                                ({"type": "text", "text": "x" * 501}, "500 characters"),
                                ({"type": "ptt", "state": "down"}, "voice mode"),
                                ({"type": "tour", "action": "dance"}, "tour actions"),
                                ({"type": "tour", "action": "resume"}, "no tour"),
                                ({"type": "page", "path": "calls"}, "path"),
                                ({"type": "nonsense"}, "unknown message type")):
                await g.send(bad)
                m = await g.next()
                assert m["type"] == "error" and expect in m["message"], (bad, m)
            await g.ws.send(b"\x00\x01")                     # audio in text mode
            m = await g.next()
            assert m["type"] == "error" and "voice mode" in m["message"]
            seen = await g.ask("go to tactics")
            assert {"type": "action", "action": "navigate", "path": "/tactics"} in seen
            await g.ws.send("not json")
            with pytest.raises(ConnectionClosed) as info:
                await g.next()
            assert info.value.rcvd is not None and info.value.rcvd.code == 1007
        finally:
            await cm.__aexit__(None, None, None)


async def test_sessions_per_principal_and_messages_per_minute_are_limited(seeded, pool):
    from voice.guide import GuideConfig

    async with guide_stack(pool) as stack:
        stack.services.guide_config = GuideConfig(pace=0.002, sessions_per_principal=1,  # type: ignore[attr-defined]
                                                  messages_per_minute=3)
        cm, g, _ = await open_guide(stack.base, "viewer-token")
        try:
            async with connect(f"{stack.base}/guide?token=viewer-token") as second:
                with pytest.raises(ConnectionClosed) as info:
                    await second.recv()
                assert info.value.rcvd is not None and info.value.rcvd.code == 4429
            for _ in range(3):
                await g.ask("go to calls")
            await g.send({"type": "text", "text": "go to tactics"})
            m = await g.next()
            assert m["type"] == "error" and "too many messages" in m["message"]
        finally:
            await cm.__aexit__(None, None, None)


async def test_a_dropped_socket_resumes_the_tour_from_the_step_the_browser_sends(seeded, pool):
    async with guide_stack(pool, pace=0.05) as stack:
        cm, g, _ = await open_guide(stack.base, "viewer-token")
        try:
            await g.send({"type": "tour", "action": "start"})
            at = (await g.until(lambda m: m["type"] == "tour" and m.get("step") == 3))[-1]
            assert at["name"] == "quick_tour" and at["state"] == "running"
        finally:
            await cm.__aexit__(None, None, None)                # the socket drops mid-tour
        # Bad tours in the hello are refused with a clear error and the session works without a tour.
        for bad, expect in (({"name": "grand_tour", "step": 0, "state": "running"}, "unknown tour"),
                            ({"name": "quick_tour", "step": len(QUICK_TOUR), "state": "running"}, "step must be"),
                            ({"name": "quick_tour", "step": "3", "state": "running"}, "step must be"),
                            ({"name": "quick_tour", "step": 3, "state": "done"}, "state must be"),
                            ("quick_tour", "an object")):
            cm, g, _ = await open_guide(stack.base, "viewer-token", tour=bad)
            try:
                m = await g.next()
                assert m["type"] == "error" and expect in m["message"], (bad, m)
                await g.send({"type": "tour", "action": "resume"})
                assert "no tour" in (await g.next())["message"]
            finally:
                await cm.__aexit__(None, None, None)
        # Paused where it was: nothing runs until the user resumes.
        cm, g, _ = await open_guide(stack.base, "viewer-token", greet=True,
                                    tour={"name": "quick_tour", "step": 3, "state": "paused"})
        try:
            paused = await g.next()
            assert paused["type"] == "tour" and (paused["state"], paused["step"]) == ("paused", 3), paused
            await asyncio.sleep(0.3)
            await g.send({"type": "page", "path": "/calls"})
            seen = await g.ask("how many calls today?")         # no greeting, no narration in between
            assert not [m for m in seen if m["type"] == "tour"] and "calls today" in said(seen)
        finally:
            await cm.__aexit__(None, None, None)
        # Running: the server resumes from that step and runs to the end.
        cm, g, _ = await open_guide(stack.base, "viewer-token", tour={"name": "quick_tour", "step": 3,
                                                                      "state": "running"})
        try:
            rest = await g.until(lambda m: m["type"] == "tour" and m["state"] == "done", timeout=30)
        finally:
            await cm.__aexit__(None, None, None)
        assert [s["step"] for s in _steps(rest)] == list(range(3, len(QUICK_TOUR)))
        assert rest[1] == {"type": "action", "action": "navigate", "path": "/calls"}     # step 3: the calls page
