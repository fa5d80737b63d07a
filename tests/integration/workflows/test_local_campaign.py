"""A 50-target campaign (cap 5) end to end on the local driver: the real orchestrators, pre-dial gate and dialer,
the real DB, and the real twilio SDK against the Twilio REST fake; outcomes arrive as the status webhook sends them."""
from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from devhost.workflows import LocalDriver, ScaledClock
from shared.db import calls, campaigns, compliance_records, customers
from shared.settings import load_settings
from shared.telephony.dialer import Dialer
from shared.workflows import policy
from shared.workflows.dialing import ComplianceDialing
from tests.fakes.twilio_fake import TwilioFake

START = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # 09:00 in New York, 04:00 in Honolulu (window closed)
SCALE = 7200.0  # two virtual hours per real second
FROM = "+12125550199"


async def _customers(conn: AsyncConnection, n: int) -> list[customers.Customer]:
    made = []
    for i in range(n):
        zone = "Pacific/Honolulu" if i % 5 == 4 else "America/New_York"
        made.append(await customers.create_customer(conn, customers.NewCustomer(
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
        row = None
        while row is None:  # the dialer stores the SID right after Twilio answers calls.create
            async with self.pool.connection() as conn:
                row = await calls.find_by_sid(conn, sid)
            if row is None:
                await asyncio.sleep(0.005)
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
        pool: AsyncConnectionPool, conn: AsyncConnection) -> None:
    people = await _customers(conn, 50)
    capped = people[1]  # called 7 times six days ago: the 7-in-7 window lets it be called again tomorrow
    for k in range(7):
        await compliance_records.record_attempt(
            conn, customer_id=capped.id, phone=capped.phone, purpose="collection", source="manual",
            decision="allow", reason_code="allowed", decided_at=START - timedelta(days=6, minutes=-k))
    campaign = await campaigns.create_campaign(conn, name="Fifty", tactic_id=None, customer_filter={},
                                               max_concurrency=5, calls_per_minute=600, max_attempts=3,
                                               retry_delay_minutes=30)
    await campaigns.add_targets(conn, campaign.id, [p.id for p in people])

    with TwilioFake() as fake:
        settings = load_settings(twilio_account_sid=fake.account_sid, twilio_auth_token=fake.auth_token,
                                 twilio_api_base=fake.base_url, twilio_from_number=FROM,
                                 public_base_url="https://archer-test.example.net")
        dialer = Dialer(settings)
        driver = LocalDriver(pool, dialing=ComplianceDialing(dialer), clock=ScaledClock(START, SCALE))
        simulator = OutcomeSimulator(fake, driver, pool)
        answering = asyncio.get_running_loop().create_task(simulator.run())
        try:
            instance = await driver.start_campaign(campaign.id)
            assert await driver.start_campaign(campaign.id) == instance  # deduplicated while running
            output = await asyncio.wait_for(driver.wait(instance), timeout=60)
        finally:
            answering.cancel()
            await driver.stop()
            await dialer.aclose()

    print(f"\ncampaign: {len(fake.calls)} calls, peak concurrent {_max_overlap(simulator.intervals)}, "
          f"output {output}")
    assert output["status"] == "completed"
    assert (await campaigns.get_campaign(conn, campaign.id)).status == "completed"
    targets = await campaigns.page_targets(conn, campaign.id, limit=100,
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
    zones = {p.id: ZoneInfo(p.timezone) for p in people}
    for person in people:
        attempts = [a for a in await compliance_records.attempts_for_customer(conn, person.id)
                    if a.decision == "allow"]
        for a in attempts:
            if a.source == "campaign":
                local = a.decided_at.astimezone(zones[person.id]).time()
                assert local.hour >= 8 and local.hour < 21, (person.timezone, a.decided_at)
            day = a.decided_at.astimezone(zones[person.id]).date()  # Reg F: seven consecutive (local) days
            window = [b for b in attempts
                      if day - timedelta(days=6) <= b.decided_at.astimezone(zones[person.id]).date() <= day]
            assert len(window) <= 7, (person.id, len(window))
        assert len([a for a in attempts if a.source == "campaign"]) <= 3
    honolulu = [p for p in people if p.timezone == "Pacific/Honolulu"]
    deferred = await compliance_records.attempts_for_customer(conn, honolulu[0].id)
    assert min(a.decided_at for a in deferred if a.decision == "allow") >= START + timedelta(hours=4)
    capped_dials = [a.decided_at for a in await compliance_records.attempts_for_customer(conn, capped.id)
                    if a.source == "campaign" and a.decision == "allow"]
    assert capped_dials and min(capped_dials) >= datetime(2026, 11, 25, 13, 0, tzinfo=UTC)  # 08:00 EST next day
    assert policy.campaign_instance_id(campaign.id) == instance
