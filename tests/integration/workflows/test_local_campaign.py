"""A 50-target campaign (cap 5) end to end on the local driver: real orchestrators, real DB, Twilio SDK + fake."""
from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from psycopg_pool import AsyncConnectionPool

from devhost.workflows import LocalDriver, ScaledClock
from shared.db import calls, campaigns, compliance_records, customers
from shared.settings import load_settings
from shared.telephony.twilio_client import TwilioClients
from shared.workflows import policy
from tests.fakes.twilio_fake import TwilioFake
from tests.integration.workflows.standin_dialing import StandInDialing

START = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # 09:00 in New York, 04:00 in Honolulu (window closed)
SCALE = 3600.0  # one virtual hour per real second
FROM = "+12125550199"


async def _customers(conn: object, n: int) -> list[object]:
    made = []
    for i in range(n):
        zone = "Pacific/Honolulu" if i % 5 == 4 else "America/New_York"
        made.append(await customers.create_customer(conn, customers.NewCustomer(  # type: ignore[arg-type]
            first_name="Test", last_name=f"Target{i}", phone=f"+1212555{100 + i:04d}", account_last_4="1234",
            postal_code="10001", balance=Decimal("100.00"), days_overdue=30, timezone=zone,
            consent_source="account_application")))
    return made


class OutcomeSimulator:
    """Answers every call the fake receives, like the status webhook would: no-answer/busy first, then done."""

    def __init__(self, fake: TwilioFake, driver: LocalDriver, pool: AsyncConnectionPool) -> None:
        self.fake, self.driver, self.pool = fake, driver, pool
        self.seen: set[str] = set()
        self.intervals: list[tuple[datetime, datetime]] = []
        self.per_number: dict[str, int] = {}
        self.counter = itertools.count()

    async def run(self) -> None:
        while True:
            for sid, call in list(self.fake.calls.items()):
                if sid not in self.seen:
                    self.seen.add(sid)
                    asyncio.get_running_loop().create_task(self._answer(sid, call.to, call.created_at))
            await asyncio.sleep(0.01)

    async def _answer(self, sid: str, to: str, created_at: datetime) -> None:
        n = self.per_number[to] = self.per_number.get(to, 0) + 1
        index = int(to[-2:])
        status, outcome = "completed", "promise_to_pay"
        if index % 3 == 0 and n < 3:
            status, outcome = "no-answer", None
        elif index % 7 == 0 and n == 1:
            status, outcome = "busy", None
        await asyncio.sleep(0.03 + (next(self.counter) % 4) * 0.01)  # the call rings and talks for a while
        async with self.pool.connection() as conn:
            row = await calls.find_by_sid(conn, sid)
        assert row is not None
        self.intervals.append((created_at, datetime.now(UTC)))
        await self.driver.notify_call_outcome(row.id, status, outcome)


def _max_overlap(intervals: list[tuple[datetime, datetime]]) -> int:
    edges = sorted([(a, 1) for a, _ in intervals] + [(b, -1) for _, b in intervals], key=lambda e: (e[0], e[1]))
    level = peak = 0
    for _, step in edges:
        level += step
        peak = max(peak, level)
    return peak


async def test_fifty_target_campaign_runs_to_final_dispositions_within_cap_window_and_caps(
        pool: AsyncConnectionPool, conn: object) -> None:
    people = await _customers(conn, 50)
    capped = people[:2]  # already called 7 times this week: the cap clears two virtual hours in
    for person in capped:
        for k in range(7):
            await compliance_records.record_attempt(
                conn, customer_id=person.id, phone=person.phone, purpose="collection", source="manual",  # type: ignore[arg-type,attr-defined]
                decision="allow", reason_code="allowed", decided_at=START - timedelta(days=7) + timedelta(hours=2, minutes=k))
    campaign = await campaigns.create_campaign(conn, name="Fifty", tactic_id=None, customer_filter={},  # type: ignore[arg-type]
                                               max_concurrency=5, calls_per_minute=600, max_attempts=3,
                                               retry_delay_minutes=30)
    await campaigns.add_targets(conn, campaign.id, [p.id for p in people])  # type: ignore[arg-type,attr-defined]

    with TwilioFake() as fake:
        settings = load_settings(twilio_account_sid=fake.account_sid, twilio_auth_token=fake.auth_token,
                                 twilio_api_base=fake.base_url)
        clients = TwilioClients(settings)
        driver = LocalDriver(pool, dialing=StandInDialing(clients, FROM, "https://archer-test.example.net"),
                             clock=ScaledClock(START, SCALE))
        simulator = OutcomeSimulator(fake, driver, pool)
        answering = asyncio.get_running_loop().create_task(simulator.run())
        try:
            instance = await driver.start_campaign(campaign.id)
            assert await driver.start_campaign(campaign.id) == instance  # deduplicated while running
            output = await asyncio.wait_for(driver.wait(instance), timeout=60)
        finally:
            answering.cancel()
            await driver.stop()
            await clients.aclose()

    assert output["status"] == "completed"
    assert (await campaigns.get_campaign(conn, campaign.id)).status == "completed"  # type: ignore[arg-type]
    targets = await campaigns.page_targets(conn, campaign.id, limit=100,  # type: ignore[arg-type]
                                           statuses=("pending", "in_progress", "retry_wait", "done", "skipped"))
    assert len(targets) == 50
    assert all(t.status == "done" and t.disposition for t in targets), {t.status for t in targets}
    assert {t.disposition for t in targets} >= {"promise_to_pay"}
    assert any(t.attempts == 3 for t in targets)  # no-answer twice, then answered on the third attempt

    # never more than 5 calls at once (from Twilio's create to the call's outcome), and the cap was used
    assert _max_overlap(simulator.intervals) <= 5
    assert _max_overlap(simulator.intervals) >= 3
    assert len(fake.calls) == sum(t.attempts for t in targets)

    # no dial outside the customer's window, none over the 7-in-7 cap
    zones = {p.id: ZoneInfo(p.timezone) for p in people}  # type: ignore[attr-defined]
    for person in people:
        attempts = [a for a in await compliance_records.attempts_for_customer(conn, person.id)  # type: ignore[arg-type,attr-defined]
                    if a.decision == "allow"]
        for a in attempts:
            if a.source == "campaign":
                local = a.decided_at.astimezone(zones[person.id]).time()  # type: ignore[attr-defined]
                assert local.hour >= 8 and local.hour < 21, (person.timezone, a.decided_at)  # type: ignore[attr-defined]
            window = [b for b in attempts if a.decided_at - timedelta(days=7) < b.decided_at <= a.decided_at]
            assert len(window) <= 7
    honolulu = [p for p in people if p.timezone == "Pacific/Honolulu"]  # type: ignore[attr-defined]
    deferred = await compliance_records.attempts_for_customer(conn, honolulu[0].id)  # type: ignore[attr-defined]
    assert min(a.decided_at for a in deferred if a.decision == "allow") >= START + timedelta(hours=4)
    assert policy.campaign_instance_id(campaign.id) == instance
