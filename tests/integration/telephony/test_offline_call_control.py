"""Without Twilio, an SMS link is recorded as not sent rather than crashing the call or pretending it went out."""
from psycopg_pool import AsyncConnectionPool

from shared.db import customers
from shared.telephony.messages import messages_for_customer
from shared.telephony.offline_call_control import OfflineCallControl


async def test_offline_sms_is_recorded_as_not_sent(pool: AsyncConnectionPool, seeded) -> None:  # type: ignore[no-untyped-def]
    customer = await customers.find_by_phone(seeded, "+12125550101")
    assert customer is not None
    control = OfflineCallControl(pool)
    sid = await control.send_sms(to=customer.phone, body="Northwind Bank: your link", call_id=None,
                                 customer_id=customer.id)
    await control.hangup(call_sid="CA" + "0" * 32)
    stored = await messages_for_customer(seeded, customer.id)
    assert [(m.message_sid, m.status, m.direction) for m in stored] == [(sid, "not_sent", "outbound")]
