"""The activity steps against the real database: paging due targets, and how a dial marks its target."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from psycopg import AsyncConnection

from shared.db import campaigns, customers
from shared.workflows import steps
from shared.workflows.dialing import DialResult, GateResult

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


class ScriptedDialing:
    def __init__(self, result: DialResult) -> None:
        self.result = result

    async def gate(self, conn: object, customer_id: object, **kw: object) -> GateResult:
        return GateResult(True, "allowed")

    async def dial(self, conn: object, customer_id: object, **kw: object) -> DialResult:
        return self.result


async def _campaign(conn: AsyncConnection, n: int) -> tuple[uuid.UUID, list[int]]:
    ids = []
    for i in range(n):
        person = await customers.create_customer(conn, customers.NewCustomer(
            first_name="P", last_name=f"N{i}", phone=f"+1212555{170 + i:04d}", account_last_4="1234",
            postal_code="10001", balance=Decimal("1.00"), days_overdue=1, consent_source="application"))
        ids.append(person.id)
    campaign = await campaigns.create_campaign(conn, name="S", tactic_id=None, customer_filter={})
    await campaigns.add_targets(conn, campaign.id, ids)
    return campaign.id, [t.id for t in await campaigns.page_targets(conn, campaign.id)]


async def test_page_returns_due_targets_only_and_reports_what_is_left_when_dry(conn: AsyncConnection) -> None:
    cid, tids = await _campaign(conn, 4)
    later = NOW + timedelta(hours=3)
    await conn.execute("UPDATE campaign_targets SET status='retry_wait', next_attempt_at=%s WHERE id=%s",
                       (later, tids[1]))
    await conn.execute("UPDATE campaign_targets SET status='retry_wait', next_attempt_at=%s WHERE id=%s",
                       (NOW - timedelta(minutes=1), tids[2]))
    await conn.execute("UPDATE campaign_targets SET status='done', disposition='completed' WHERE id=%s", (tids[3],))
    page = await steps.campaign_page(conn, {"campaign_id": str(cid), "after_id": 0, "limit": 10,
                                            "now": NOW.isoformat()})
    assert [t["id"] for t in page["targets"]] == [tids[0], tids[2]]
    dry = await steps.campaign_page(conn, {"campaign_id": str(cid), "after_id": tids[2], "limit": 10,
                                           "now": NOW.isoformat()})
    assert dry == {"targets": [], "remaining": 3, "next_due_at": (NOW - timedelta(minutes=1)).isoformat()}


async def test_a_denied_dial_gives_the_attempt_back_and_a_placed_one_keeps_it(conn: AsyncConnection) -> None:
    cid, tids = await _campaign(conn, 1)
    person = (await campaigns.page_targets(conn, cid))[0].customer_id
    params = {"campaign_id": str(cid), "target_id": tids[0], "customer_id": str(person), "attempt": 1}
    denied = await steps.target_dial(conn, params, now=NOW, dialing=ScriptedDialing(
        DialResult(False, None, "outside_calling_hours", NOW + timedelta(hours=2))))
    assert denied["dialed"] is False and denied["next_allowed_at"] == (NOW + timedelta(hours=2)).isoformat()
    assert (await campaigns.page_targets(conn, cid, statuses=("in_progress",)))[0].attempts == 0
    await steps.target_dial(conn, params, now=NOW, dialing=ScriptedDialing(DialResult(True, None, "allowed")))
    await steps.target_dial(conn, params, now=NOW, dialing=ScriptedDialing(DialResult(True, None, "allowed")))
    assert (await campaigns.page_targets(conn, cid, statuses=("in_progress",)))[0].attempts == 1  # idempotent
