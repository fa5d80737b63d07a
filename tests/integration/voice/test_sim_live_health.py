"""/sim speaks ARCHITECTURE §5's text protocol over a `simulated` call row; /live streams the calls' events to
authenticated subscribers (in-process and through Redis); /healthz and the drain refuse new calls, not live ones."""
from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from shared.db.calls import get_call
from shared.events.bus import RedisBus
from tests.integration.voice.harness import voice_stack, wait_until


async def _verify(token: str) -> object:
    if token != "good-token":
        raise PermissionError("bad token")
    return {"sub": "tester", "roles": ["supervisor"]}


async def test_sim_text_protocol_agent_first_then_user_dtmf_and_hangup(seeded, pool):
    async with voice_stack(pool, verify_token=_verify) as stack:
        async with connect(f"{stack.base}/sim?tactic=stern&token=good-token") as ws:
            greeting = [json.loads(await ws.recv()) for _ in range(2)]
            assert greeting == [{"type": "agent", "text": "Hello, this is Archer."}, {"type": "turn_end"}]
            await ws.send(json.dumps({"type": "user", "text": "hi"}))
            assert json.loads(await ws.recv()) == {"type": "agent", "text": "You said hi."}
            assert json.loads(await ws.recv()) == {"type": "turn_end"}
            await ws.send(json.dumps({"type": "dtmf", "digit": "5"}))
            await ws.send(json.dumps({"type": "nonsense"}))
            assert json.loads(await ws.recv())["type"] == "error"
            await ws.send(json.dumps({"type": "hangup"}))
            end = json.loads(await ws.recv())
        assert end["type"] == "end" and end["reason"] == "caller_hangup"
        await wait_until(lambda: stack.services.get_writes().pending == 0, what="writes stored")
        call = await get_call(seeded, __import__("uuid").UUID(end["call_id"]))
        assert call.call_type == "simulated" and call.status == "completed" and call.ended_at is not None
        engine = stack.engines[0]
        assert [type(i).__name__ for i in engine.inputs] == ["CallStarted", "UserUtterance", "DtmfDigit", "HangUp"]
        assert engine.inputs[0].simulated


async def test_sim_and_live_refuse_a_bad_token(seeded, pool):
    async with voice_stack(pool, verify_token=_verify) as stack:
        for path in ("/sim", "/live"):
            with pytest.raises(InvalidStatus) as info:
                async with connect(f"{stack.base}{path}?token=forged"):
                    pass
            assert info.value.response.status_code == 403


@pytest.mark.parametrize("bus_kind", ["in-process", "redis"])
async def test_live_streams_a_phone_calls_events(conn, pool, redis_url, bus_kind):
    bus = RedisBus(redis_url) if bus_kind == "redis" else None
    async with voice_stack(pool, verify_token=_verify, bus=bus) as stack:
        async with connect(f"{stack.base}/live?token=good-token") as live:
            await asyncio.sleep(0.2)                       # subscribed before the call starts
            call_id, caller = await stack.new_call(conn)
            await caller.wait_agent_done()
            await caller.say("hello")
            await caller.wait_agent_done()
            await caller.hangup()
            seen: list[dict] = []
            async with asyncio.timeout(10):
                # Redis pub/sub channels are server-wide: wait for this call's end, not any call's.
                while not any(e["type"] == "call_ended" and e.get("call_id") == str(call_id) for e in seen):
                    seen.append(json.loads(await live.recv()))
        kinds = [e["type"] for e in seen if e.get("call_id") == str(call_id)]
        assert kinds[0] == "call_started" and kinds[-1] == "call_ended"
        assert {"transcript", "latency"} <= set(kinds)
        latency = [e["data"] for e in seen if e["type"] == "latency" and e["data"].get("voice_to_voice_ms")]
        assert latency and latency[0]["overhead_ms"] is not None
        texts = [(e["data"]["speaker"], e["data"]["text"]) for e in seen if e["type"] == "transcript"]
        assert ("caller", "hello") in texts and ("agent", "You said hello.") in texts
        if bus is not None:
            await bus.close()


async def test_drain_refuses_new_calls_while_the_live_one_finishes(conn, pool):
    async with voice_stack(pool) as stack:
        _, caller = await stack.new_call(conn)
        await caller.wait_agent_done()
        async with httpx.AsyncClient() as http:
            assert (await http.get(f"http://127.0.0.1:{stack.port}/healthz")).json()["active_calls"] == 1
            drain = asyncio.create_task(stack.services.drain())
            await asyncio.sleep(0.1)
            health = await http.get(f"http://127.0.0.1:{stack.port}/healthz")
            assert health.status_code == 503 and health.json()["status"] == "draining"
        with pytest.raises(InvalidStatus):
            await stack.new_call(conn)
        assert not drain.done()
        await caller.say("hello")
        await caller.wait_agent_done()                     # the live call still works
        assert not drain.done()
        await caller.say("bye")
        await asyncio.wait_for(drain, timeout=10)


async def test_live_accepts_an_admin_api_jwt_and_refuses_one_without_a_role(pool):
    """The real admin-API verifier (JWKS, issuer, audience) guards /live when AUTH_MODE=jwt."""
    import threading
    import time
    from http.server import BaseHTTPRequestHandler, HTTPServer

    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    from tests.support.servers import free_port

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwks = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()

    class Jwks(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(jwks)

        def log_message(self, *args):
            pass

    port = free_port()
    server = HTTPServer(("127.0.0.1", port), Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def token(roles):
        now = int(time.time())
        return jwt.encode({"iss": "https://issuer.test", "aud": "api://archer-test", "sub": "u1", "roles": roles,
                           "iat": now, "exp": now + 300}, key, algorithm="RS256", headers={"kid": "k1"})

    extra = {"auth_mode": "jwt", "auth_issuer": "https://issuer.test", "auth_audience": "api://archer-test",
             "auth_jwks_url": f"http://127.0.0.1:{port}/keys"}
    try:
        async with voice_stack(pool, settings_extra=extra) as stack:
            async with connect(f"{stack.base}/live?token={token(['Archer.Viewer'])}") as ws:
                await ws.send("ping")
            with pytest.raises(InvalidStatus):
                async with connect(f"{stack.base}/live?token={token([])}"):
                    pass
            with pytest.raises(InvalidStatus):
                async with connect(f"{stack.base}/live"):
                    pass
    finally:
        server.shutdown()
