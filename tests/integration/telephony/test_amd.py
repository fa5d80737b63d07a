"""POST /api/twilio/amd: a machine hears only the limited-content voicemail (fixed text) and the call ends;
a fax is hung up on; a human continues; a retried result never leaves a second message."""
from __future__ import annotations

import re
from xml.etree import ElementTree

from psycopg import AsyncConnection

from shared.db import calls as calls_repo
from shared.db.compliance_records import events_for_call
from shared.telephony.twiml import voicemail_text
from tests.integration.telephony.conftest import MARIA, Api, customer_id

VOICEMAIL = voicemail_text(bank_name="Northwind Bank", callback_number="+18005550100")
DEBT_WORDS = re.compile(r"\b(debt|collect\w*|balance|overdue|payment|owe|account)\b", re.I)


async def _answered(api: Api, seeded: AsyncConnection) -> tuple[object, str]:
    call_id, sid = await api.place_call(await customer_id(seeded, MARIA))
    await api.deliver(api.fake.voice_request(sid))
    await api.deliver(api.fake.status_callback(sid, "in-progress"))
    return call_id, sid


async def test_machine_gets_only_the_limited_content_message_then_hangup(api: Api, seeded: AsyncConnection) -> None:
    call_id, sid = await _answered(api, seeded)
    assert (await api.deliver(api.fake.amd_callback(sid, "machine_end_beep"))).status_code == 204
    [(updated_sid, update)] = api.fake.call_updates
    assert updated_sid == sid and set(update) == {"Twiml"}
    root = ElementTree.fromstring(update["Twiml"])
    assert [child.tag for child in root] == ["Say", "Hangup"]
    assert [say.text for say in root.iter("Say")] == [VOICEMAIL]
    assert not DEBT_WORDS.search(VOICEMAIL)
    call = await calls_repo.get_call(seeded, call_id)  # type: ignore[arg-type]
    assert (call.answered_by, call.outcome, call.conversation_at) == ("machine_end_beep", "voicemail", None)
    codes = [e.code for e in await events_for_call(seeded, call_id)]  # type: ignore[arg-type]
    assert codes.count("voicemail") == 1


async def test_retried_machine_result_leaves_one_message(api: Api, seeded: AsyncConnection) -> None:
    _, sid = await _answered(api, seeded)
    cb = api.fake.amd_callback(sid, "machine_end_silence")
    await api.deliver(cb)
    await api.deliver(cb)
    assert len(api.fake.call_updates) == 1


async def test_human_continues_untouched(api: Api, seeded: AsyncConnection) -> None:
    call_id, sid = await _answered(api, seeded)
    await api.deliver(api.fake.amd_callback(sid, "human"))
    assert api.fake.call_updates == []
    call = await calls_repo.get_call(seeded, call_id)  # type: ignore[arg-type]
    assert call.answered_by == "human" and call.conversation_at == call.answered_at is not None


async def test_fax_is_hung_up(api: Api, seeded: AsyncConnection) -> None:
    _, sid = await _answered(api, seeded)
    await api.deliver(api.fake.amd_callback(sid, "fax"))
    assert api.fake.call_updates == [(sid, {"Status": "completed"})]


async def test_machine_after_the_call_ended_changes_nothing_live(api: Api, seeded: AsyncConnection) -> None:
    call_id, sid = await _answered(api, seeded)
    await api.deliver(api.fake.status_callback(sid, "completed", duration=12))
    await api.deliver(api.fake.amd_callback(sid, "machine_end_other"))
    assert api.fake.call_updates == []
    assert (await calls_repo.get_call(seeded, call_id)).answered_by == "machine_end_other"  # type: ignore[arg-type]


async def test_voicemail_refused_by_twilio_is_recorded_not_retried(api: Api, seeded: AsyncConnection) -> None:
    call_id, sid = await _answered(api, seeded)
    api.fake.calls[sid].status = "completed"  # the machine hung up before Twilio got our redirect
    assert (await api.deliver(api.fake.amd_callback(sid, "machine_end_beep"))).status_code == 204
    codes = [e.code for e in await events_for_call(seeded, call_id)]  # type: ignore[arg-type]
    assert "voicemail_not_left" in codes and "voicemail" not in codes
