"""Every Twilio webhook refuses missing, forged and replayed-on-another-URL signatures with 403."""
from __future__ import annotations

from tests.fakes.twilio_fake import TwilioFake
from tests.integration.telephony.conftest import FROM_NUMBER, PUBLIC_BASE, Api

ROUTES = ["voice", "status", "amd", "recording", "sms", "whisper"]


def _callback(fake: TwilioFake, route: str):  # type: ignore[no-untyped-def]
    return fake.sign(f"{PUBLIC_BASE}/api/twilio/{route}", {"CallSid": "CA" + "a" * 32, "From": "+12125550101",
                                                           "To": FROM_NUMBER, "CallStatus": "ringing"})


# One app per test, every route inside it: the routes share one gate, and app set-up is the slow part.
async def test_missing_signature_is_403(api: Api, twilio_fake: TwilioFake) -> None:
    for route in ROUTES:
        cb = _callback(twilio_fake, route)
        headers = {k: v for k, v in cb.headers.items() if k != "X-Twilio-Signature"}
        response = await api.client.post(cb.path_qs, content=cb.body, headers=headers)
        assert response.status_code == 403, route


async def test_forged_signature_is_403(api: Api, twilio_fake: TwilioFake) -> None:
    other = TwilioFake(auth_token="someone-elses-fake-token")
    for route in ROUTES:
        cb = _callback(twilio_fake, route)
        forged = other.sign(cb.url, cb.params)
        assert forged.signature != cb.signature
        assert (await twilio_fake.deliver_async(forged, api.client)).status_code == 403, route


async def test_tampered_params_are_403(api: Api, twilio_fake: TwilioFake) -> None:
    for route in ROUTES:
        cb = _callback(twilio_fake, route)
        tampered = cb.resigned(params={**cb.params, "CallStatus": "completed"})
        assert (await twilio_fake.deliver_async(tampered, api.client)).status_code == 403, route


async def test_signature_replayed_on_another_url_is_403(api: Api, twilio_fake: TwilioFake) -> None:
    pairs = [("status", "amd"), ("amd", "status"), ("voice", "sms"), ("recording", "status"), ("sms", "voice"),
             ("status", "status?call_id=00000000-0000-0000-0000-000000000000")]
    for signed_for, sent_to in pairs:
        cb = _callback(twilio_fake, signed_for)
        replay = cb.resigned(url=f"{PUBLIC_BASE}/api/twilio/{sent_to}")
        assert (await twilio_fake.deliver_async(replay, api.client)).status_code == 403, (signed_for, sent_to)


async def test_signature_for_another_host_is_403(api: Api, twilio_fake: TwilioFake) -> None:
    cb = twilio_fake.sign("https://attacker.example.org/api/twilio/status", {"CallSid": "CA" + "a" * 32})
    assert (await twilio_fake.deliver_async(cb, api.client)).status_code == 403


async def test_valid_signature_passes_the_gate(api: Api, twilio_fake: TwilioFake) -> None:
    # An unknown call is acknowledged (204), proving the request got past the signature check.
    response = await twilio_fake.deliver_async(_callback(twilio_fake, "status"), api.client)
    assert response.status_code == 204
