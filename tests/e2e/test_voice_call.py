"""End to end over the phone path: the Twilio caller → /twilio/media → Cartesia fakes → the real engine (rules
brain) → Twilio REST fake for the SMS link and the hang-up; the database tells the story afterwards."""
from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Any

import pytest
from twilio.request_validator import RequestValidator

from shared.db import arrangements, calls, customers
from shared.telephony.stream_token import issue_stream_token
from shared.telephony.twilio_call_control import TwilioCallControl
from tests.fakes.twilio_caller import TwilioCaller
from tests.fakes.twilio_fake import TwilioFake
from tests.integration.voice.harness import voice_stack, wait_until

pytestmark = pytest.mark.e2e

LINES = ["Yes it's me.", "1946 and 02108.", "What are my options?",
         "Could I do six months with one hundred dollars down?", "Yes, please text me the link.", "No thank you."]


class NoWorkflows:
    """WorkflowStarter for a call that schedules nothing (a callback would fail this test loudly)."""

    async def start_callback(self, callback_id: uuid.UUID, scheduled_for: datetime) -> str:
        raise AssertionError("no callback expected")

    async def cancel_callback(self, callback_id: uuid.UUID, reason: str) -> None: ...

    async def start_campaign(self, campaign_id: uuid.UUID) -> str:
        raise AssertionError("no campaign expected")

    async def signal_campaign(self, campaign_id: uuid.UUID, signal: str) -> None: ...

    async def notify_call_outcome(self, call_id: uuid.UUID, status: str, outcome: str | None) -> None: ...


async def test_full_phone_call_greeting_verification_options_plan_sms_goodbye(seeded, pool):
    conn = seeded
    with TwilioFake() as twilio:
        extra: dict[str, Any] = {"twilio_account_sid": twilio.account_sid, "twilio_api_base": twilio.base_url,
                                 "twilio_from_number": "+12025550142"}
        async with voice_stack(pool, engine_factory=None, workflows=NoWorkflows(), twilio_token=twilio.auth_token,
                               settings_extra=extra) as stack:
            stack.services.call_control = TwilioCallControl(pool, stack.settings)
            customer = await customers.find_by_phone(conn, "+16175550103")
            assert customer is not None
            fake_call = twilio.add_inbound_call(from_="+12025550142", to=customer.phone)
            call = await calls.create_call(conn, calls.NewCall(
                direction="outbound", call_type="test", customer_id=customer.id, call_sid=fake_call.sid,
                status="in-progress", to_number=customer.phone))
            url = f"{stack.base}/twilio/media"
            caller = TwilioCaller(url, call_sid=fake_call.sid, signature=RequestValidator(twilio.auth_token)
                                  .compute_signature(url, {}), custom_parameters={
                                      "call_id": str(call.id),
                                      "token": issue_stream_token(call.id, secret=twilio.auth_token,
                                                                  now=datetime.now().astimezone())})
            await caller.connect()
            await caller.wait_agent_done(timeout=30)
            for line in LINES:
                if caller.closed.is_set():
                    break
                await caller.say(line, duration_ms=700)
                await caller.wait_agent_done(timeout=30)
            await asyncio.wait_for(caller.closed.wait(), timeout=20)
            await wait_until(lambda: not stack.services.calls, what="call closed")
            await wait_until(lambda: stack.services.get_writes().pending == 0, what="writes stored")

            row = await calls.get_call(conn, call.id)
            assert row.verified and row.outcome == "payment_arranged"
            assert row.status == "completed" and row.ended_at is not None
            plans = await arrangements.list_for_customer(conn, customer.id)
            assert [(p.kind, p.months, str(p.down_payment), p.payment_method) for p in plans] == \
                [("plan", 6, "100.00", "sms_link")]
            assert len(twilio.messages) == 1 and twilio.messages[0]["to"] == customer.phone
            tools = [t.name for t in await calls.list_tool_executions(conn, call.id)]
            for name in ("verify_account", "calculate_payment_plan", "process_payment", "end_call"):
                assert name in tools, tools
            transcript = await calls.list_transcript(conn, call.id)
            assert {e.speaker for e in transcript} >= {"agent", "caller"}
            assert any(e.speaker == "caller" and "six months" in e.text for e in transcript)
            # hung up through the REST API once the goodbye had played
            assert any(sid == fake_call.sid and p.get("Status") == "completed" for sid, p in twilio.call_updates)
            metrics = await (await conn.execute("SELECT count(*) FROM turn_metrics WHERE call_id = %s "
                                                "AND voice_to_voice_ms IS NOT NULL", (call.id,))).fetchone()
            assert metrics[0] >= len(LINES) - 1
