"""POST /api/twilio/sms: inbound texts. STOP and friends revoke consent, HELP is answered, the rest is logged."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from psycopg import AsyncConnection

from functions.deps import db_conn
from functions.twilio.security import TWIML_OK, WEBHOOK_ERRORS, WEBHOOK_REQUEST, twilio_params, twiml_response
from shared.settings import get_settings
from shared.telephony import twiml
from shared.telephony.inbound_sms import InboundSms, handle_inbound_sms

router = APIRouter(prefix="/api/twilio", tags=["twilio"])


@router.post("/sms", response_class=Response, responses={**TWIML_OK, **WEBHOOK_ERRORS},
             openapi_extra=WEBHOOK_REQUEST)
async def sms(params: Annotated[dict[str, str], Depends(twilio_params)],
              conn: Annotated[AsyncConnection, Depends(db_conn, scope="function")]) -> Response:
    settings = get_settings()
    outcome = await handle_inbound_sms(
        conn, InboundSms(message_sid=params.get("MessageSid", ""), from_number=params.get("From", ""),
                         to_number=params.get("To", ""), body=params.get("Body", "")),
        bank_name=settings.bank_name, callback_number=settings.callback_number)
    return twiml_response(twiml.sms_reply_twiml(outcome.reply))
