"""Every TwiML document Archer returns: the answer (recording notice, recording, media stream), the voicemail
left on a machine, the whisper to a human agent, the polite refusal, and SMS replies.

Spoken words come from fixed texts (shared/compliance/disclosures.py), never from a model.
"""
from __future__ import annotations

import uuid

from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

POLITE_ERROR = "We're sorry, we can't take this call right now. Please try again later. Goodbye."
AGENT_NAME = "Archer"


def _disclosure(kind_name: str, *, bank_name: str, callback_number: str) -> str:
    # Imported on first use: the compliance texts pull in pydantic models and the guard's patterns.
    from shared.compliance.disclosures import DisclosureKind, disclosure_text

    return disclosure_text(DisclosureKind(kind_name), bank_name=bank_name, agent_name=AGENT_NAME,
                           callback_number=callback_number)


def recording_notice_text(*, bank_name: str, callback_number: str) -> str:
    return _disclosure("recording_notice", bank_name=bank_name, callback_number=callback_number)


def voicemail_text(*, bank_name: str, callback_number: str) -> str:
    return _disclosure("voicemail", bank_name=bank_name, callback_number=callback_number)


def answer_twiml(*, call_id: uuid.UUID, stream_token: str, voice_ws_url: str, recording_callback_url: str,
                 notice: str, direction: str) -> str:
    """Recording notice, then recording (dual channel), then the call's audio streamed to the voice service.

    <Say> blocks until played, so <Start><Recording> begins only after the notice; <Connect> holds the call
    until the voice service closes the stream, then the call hangs up.
    """
    response = VoiceResponse()
    response.say(notice)
    start = response.start()
    start.recording(recording_status_callback=recording_callback_url, recording_status_callback_method="POST",
                    recording_status_callback_event="completed", channels="dual", track="both")
    connect = response.connect()
    stream = connect.stream(url=f"{voice_ws_url}/twilio/media")
    stream.parameter(name="call_id", value=str(call_id))
    stream.parameter(name="token", value=stream_token)
    stream.parameter(name="direction", value=direction)
    stream.parameter(name="recording_notice", value="played")
    from shared.telemetry.tracing import current_traceparent

    traceparent = current_traceparent()
    if traceparent:                                  # the voice session continues this webhook's trace
        stream.parameter(name="traceparent", value=traceparent)
    response.hangup()
    return str(response)


def voicemail_twiml(text: str) -> str:
    """The limited-content message (Reg F 1006.2(j)), then hang up. Nothing else is said."""
    response = VoiceResponse()
    response.say(text)
    response.hangup()
    return str(response)


def whisper_twiml(note: str) -> str:
    """Played to the human agent only, before the caller is connected."""
    response = VoiceResponse()
    response.say(f"Transferred call from Archer. {note}" if note else "Transferred call from Archer.")
    return str(response)


def polite_error_twiml(text: str = POLITE_ERROR) -> str:
    response = VoiceResponse()
    response.say(text)
    response.hangup()
    return str(response)


def hangup_twiml() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)


def sms_reply_twiml(text: str | None) -> str:
    """A <Message> reply, or an empty <Response/> when nothing should be sent back."""
    response = MessagingResponse()
    if text:
        response.message(text)
    return str(response)
