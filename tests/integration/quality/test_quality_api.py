"""The quality API: ratings and transcript corrections (supervisor+), the report for a period, the HTML download,
and the recording proxy that streams Twilio's media with the account's credentials."""
from __future__ import annotations

import uuid
from datetime import timedelta

from psycopg import AsyncConnection

from shared.db import calls
from tests.integration.quality.seed import T0
from tests.integration.telephony.conftest import Api


async def _call(conn: AsyncConnection, *, recording_url: str | None = None) -> uuid.UUID:
    row = await calls.create_call(conn, calls.NewCall(direction="outbound", call_type="manual", status="completed",
                                                      to_number="+12125550142", call_sid=f"CA{uuid.uuid4().hex}"))
    await conn.execute("UPDATE calls SET started_at = %s, recording_url = %s, recording_channels = 2 WHERE id = %s",
                       (T0, recording_url, row.id))
    await calls.add_transcript_entry(conn, row.id, 0, "agent", "Hello, this is Archer.")
    await calls.add_transcript_entry(conn, row.id, 1, "caller", "I can pay to hundred")
    return row.id


async def _viewer(api: Api) -> dict[str, str]:
    token = (await api.client.post("/api/v1/auth/dev-token", json={"role": "viewer", "name": "V"})).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


async def test_a_supervisor_rates_and_corrects_and_the_report_reflects_both(api: Api, conn: AsyncConnection) -> None:
    call_id = await _call(conn)
    r = await api.client.put(f"/api/v1/calls/{call_id}/rating", headers=api.auth,
                             json={"naturalness": 8, "latency_feel": 6, "overall": 7, "comment": "a bit slow"})
    assert r.status_code == 200, r.text
    again = await api.client.put(f"/api/v1/calls/{call_id}/rating", headers=api.auth,
                                 json={"naturalness": 9, "latency_feel": 6, "overall": 7})
    assert again.json()["naturalness"] == 9
    c = await api.client.put(f"/api/v1/calls/{call_id}/transcript/1/correction", headers=api.auth,
                             json={"text": "I can pay two hundred"})
    assert c.status_code == 200, c.text
    assert (c.json()["original_text"], c.json()["corrected_text"]) == ("I can pay to hundred", "I can pay two hundred")

    review = (await api.client.get(f"/api/v1/calls/{call_id}/review", headers=api.auth)).json()
    assert [x["naturalness"] for x in review["ratings"]] == [9]          # one rating per reviewer: replaced
    assert [x["seq"] for x in review["corrections"]] == [1]
    original = await (await conn.execute("SELECT text FROM call_transcript_entries WHERE call_id = %s AND seq = 1",
                                         (call_id,))).fetchone()
    assert original == ("I can pay to hundred",)                         # the original line is kept

    params = {"from": (T0 - timedelta(hours=1)).isoformat(), "to": (T0 + timedelta(hours=1)).isoformat()}
    report = (await api.client.get("/api/v1/quality/report", params=params, headers=api.auth)).json()
    assert report["ratings"]["overall"]["naturalness"] == 9.0 and report["ratings"]["reviewers"] == 1
    assert report["transcription"]["corrected_lines"] == 1 and report["transcription"]["word_errors"] == 1
    assert report["overall"] == "HOLD"
    html = await api.client.get("/api/v1/quality/report.html", params=params, headers=api.auth)
    assert html.status_code == 200 and "attachment" in html.headers["content-disposition"]
    assert 'id="overall-verdict">HOLD<' in html.text


async def test_review_writes_need_a_supervisor_and_valid_input(api: Api, conn: AsyncConnection) -> None:
    call_id = await _call(conn)
    viewer = await _viewer(api)
    body = {"naturalness": 8, "latency_feel": 6, "overall": 7}
    assert (await api.client.put(f"/api/v1/calls/{call_id}/rating", headers=viewer, json=body)).status_code == 403
    assert (await api.client.get(f"/api/v1/calls/{call_id}/review", headers=viewer)).status_code == 200
    bad = await api.client.put(f"/api/v1/calls/{call_id}/rating", headers=api.auth, json={**body, "overall": 11})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    missing = await api.client.put(f"/api/v1/calls/{call_id}/transcript/9/correction", headers=api.auth,
                                   json={"text": "x"})
    assert missing.status_code == 404
    unknown = await api.client.put(f"/api/v1/calls/{uuid.uuid4()}/rating", headers=api.auth, json=body)
    assert unknown.status_code == 404
    blank = await api.client.put(f"/api/v1/calls/{call_id}/transcript/1/correction", headers=api.auth,
                                 json={"text": "   "})
    assert blank.status_code == 422
    backwards = await api.client.get("/api/v1/quality/report", headers=api.auth,
                                     params={"from": "2026-11-02T00:00:00Z", "to": "2026-11-01T00:00:00Z"})
    assert backwards.status_code == 422


async def test_the_recording_plays_through_the_authorized_proxy(api: Api, conn: AsyncConnection) -> None:
    wav = b"RIFF" + bytes(range(256)) * 40
    sid = api.fake.add_recording_media(wav)
    url = f"https://api.twilio.com/2010-04-01/Accounts/{api.fake.account_sid}/Recordings/{sid}"
    call_id = await _call(conn, recording_url=url)
    viewer = await _viewer(api)
    r = await api.client.get(f"/api/v1/calls/{call_id}/recording", headers=viewer)
    assert r.status_code == 200 and r.content == wav and r.headers["content-type"] == "audio/wav"
    assert api.fake.requests[-1].authorized and api.fake.requests[-1].path.endswith(f"{sid}.wav")
    assert (await api.client.get(f"/api/v1/calls/{call_id}/recording")).status_code == 401

    gone = await _call(conn, recording_url=url.replace(sid, "RE" + "f" * 32))
    assert (await api.client.get(f"/api/v1/calls/{gone}/recording", headers=viewer)).status_code == 404
    none = await _call(conn)
    assert (await api.client.get(f"/api/v1/calls/{none}/recording", headers=viewer)).status_code == 404
