"""DNC entries (admin adds/removes, viewers see masked numbers, each change is a compliance event) and the
collection policy (admin replaces it; audited with before/after)."""
from __future__ import annotations

import httpx
from psycopg import AsyncConnection

from tests.integration.api.conftest import bearer

POLICY = {"settlement_floor_pct": "65.00", "settlement_anchor_pct": "100.00", "plan_lengths": [3, 6],
          "max_plan_months": 6, "min_instalment": "30.00", "approved_by": "Compliance Counsel"}


async def test_dnc_add_list_remove(client: httpx.AsyncClient, tokens: dict[str, str], seeded: AsyncConnection) -> None:
    admin = bearer(tokens["admin"])
    added = await client.post("/api/v1/compliance/dnc", json={"phone": "(212) 555-0101", "reason": "asked"},
                              headers=admin)
    assert added.status_code == 201 and added.json()["phone"] == "+12125550101"
    assert (await client.post("/api/v1/compliance/dnc", json={"phone": "+12125550102"},
                              headers=bearer(tokens["supervisor"]))).status_code == 403
    listed = (await client.get("/api/v1/compliance/dnc", headers=bearer(tokens["viewer"]))).json()
    assert "+1******0101" in {e["phone"] for e in listed}
    assert (await client.delete(f"/api/v1/compliance/dnc/{added.json()['id']}", headers=admin)).status_code == 204
    cur = await seeded.execute("SELECT code, customer_id IS NOT NULL FROM compliance_events WHERE category = 'dnc' "
                               "AND details->>'source' = 'admin' ORDER BY id")
    assert await cur.fetchall() == [("dnc_added", True), ("dnc_removed", True)]
    bad = await client.post("/api/v1/compliance/dnc", json={"phone": "12"}, headers=admin)
    assert bad.status_code == 422
    cur = await seeded.execute("SELECT action FROM audit_log WHERE resource_type = 'dnc_entry' ORDER BY id")
    assert [r[0] for r in await cur.fetchall()] == ["create", "delete"]


async def test_policy_replace_is_audited(client: httpx.AsyncClient, tokens: dict[str, str],
                                         seeded: AsyncConnection) -> None:
    before = (await client.get("/api/v1/policy", headers=bearer(tokens["viewer"]))).json()
    assert before["settlement_floor_pct"] == "70.00"
    r = await client.put("/api/v1/policy", json=POLICY, headers=bearer(tokens["admin"]))
    assert r.status_code == 200 and r.json()["settlement_floor_pct"] == "65.00" and r.json()["id"] == before["id"]
    bad = await client.put("/api/v1/policy", json={**POLICY, "settlement_anchor_pct": "50.00"},
                           headers=bearer(tokens["admin"]))
    assert bad.status_code == 422
    cur = await seeded.execute("SELECT before->>'settlement_floor_pct', after->>'settlement_floor_pct', actor "
                               "FROM audit_log WHERE resource_type = 'collection_policy'")
    assert await cur.fetchall() == [("70.00", "65.00", "admin-1")]
