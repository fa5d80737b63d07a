"""The compliance and handling flags an operator must see on a customer: DNC, cease, attorney, bankruptcy,
dispute, consent revoked, hardship, sensitive handling, preferred language, time-barred — each with the date it
was recorded and where it came from (a call, an SMS, the DNC list, the account record)."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection

# flag code -> (customer column holding its date, compliance event codes that record it, blocks collection calls)
_COLUMN_FLAGS: dict[str, tuple[str, tuple[str, ...], bool]] = {
    "cease": ("cease_requested_at", ("stop_calling", "cease"), True),
    "attorney": ("attorney_at", ("attorney",), True),
    "bankruptcy": ("bankruptcy_at", ("bankruptcy",), True),
    "dispute": ("disputed_at", ("dispute", "fraud", "validation_request"), True),
    "consent_revoked": ("consent_revoked_at", ("consent_revoked", "inbound_stop"), True),
    "hardship": ("hardship_at", ("hardship",), False),
}
_EVENT_CODES = sorted({c for _, codes, _ in _COLUMN_FLAGS.values() for c in codes}
                      | {"distress", "sensitive_handling", "sensitive_hold", "language", "language_other",
                         "other_language"})
_DNC_SOURCES = {"consumer_request": "consumer request", "sms_stop": "SMS STOP", "admin": "added by an administrator",
                "import": "imported list"}


@dataclass(frozen=True)
class CustomerFlag:
    code: str
    since: datetime | None
    source: str
    blocking: bool
    detail: str | None = None
    call_id: uuid.UUID | None = None


@dataclass(frozen=True)
class _Event:
    code: str
    category: str
    call_id: uuid.UUID | None
    occurred_at: datetime
    details: dict[str, Any]


def _source(event: _Event | None) -> str:
    if event is None:
        return "account record"
    if event.call_id is not None:
        return "said on a call"
    if event.category in ("sms", "consent"):
        return "SMS reply"
    return "recorded by an administrator" if event.category in ("dnc", "action") else "account record"


def _first(row: dict[str, Any], *keys: str) -> Any:
    return next((row[k] for k in keys if row.get(k) not in (None, "")), None)


def flags_of(row: dict[str, Any], dnc: dict[str, Any] | None, events: dict[str, _Event]) -> list[CustomerFlag]:
    """The flags of one customer from its row (as a dict), its DNC entry and its newest event per code."""
    flags: list[CustomerFlag] = []
    if dnc is not None:
        origin = _DNC_SOURCES.get(dnc["source"], dnc["source"])
        flags.append(CustomerFlag("dnc", dnc["created_at"], f"do-not-call list ({origin})", True,
                                  dnc.get("reason") or None))
    for code, (column, event_codes, blocking) in _COLUMN_FLAGS.items():
        since = row.get(column)
        if since is None or (code == "dispute" and row.get("dispute_resolved_at")):
            continue
        event = next((events[c] for c in event_codes if c in events), None)
        detail = None
        if code == "attorney" and isinstance(row.get("attorney_details"), dict):
            detail = row["attorney_details"].get("firm") or row["attorney_details"].get("name")
        if code == "dispute" and row.get("dispute_type") and row["dispute_type"] != "dispute":
            detail = str(row["dispute_type"]).replace("_", " ")
        flags.append(CustomerFlag(code, _as_dt(since), _source(event), blocking, detail,
                                  event.call_id if event else None))
    # Columns that later migrations may add (sensitive handling, preferred language) are read when present.
    sensitive_at = next((row[k] for k in sorted(row) if k.startswith("sensitive") and k.endswith("_at") and row[k]),
                        None)
    event = events.get("sensitive_hold") or events.get("sensitive_handling") or events.get("distress")
    # A hold a person has cleared (the column set back to NULL) is no longer a flag, whatever the events say.
    has_column = any(k.startswith("sensitive") and k.endswith("_at") for k in row)
    if sensitive_at is not None or (event is not None and not has_column):
        reason = _first(row, "sensitive_hold_reason", "sensitive_reason")
        flags.append(CustomerFlag("sensitive_handling", _as_dt(sensitive_at) or (event.occurred_at if event else None),
                                  _source(event), True, str(reason) if reason else "hold collection until a person "
                                  "reviews", event.call_id if event else None))
    language = _first(row, "preferred_language", "language")
    event = events.get("language") or events.get("language_other") or events.get("other_language")
    if language is None and event is not None:
        language = event.details.get("language")
    if language and str(language).lower() not in ("en", "english"):
        since = _first(row, "preferred_language_at", "language_recorded_at", "language_at")
        flags.append(CustomerFlag("language", _as_dt(since) or (event.occurred_at if event else None),
                                  _source(event), False, str(language), event.call_id if event else None))
    if row.get("time_barred"):
        flags.append(CustomerFlag("time_barred", None, "account record", False))
    return flags


def _as_dt(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


async def flags_for(conn: AsyncConnection, customer_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[CustomerFlag]]:
    """Flags of several customers in three queries (their rows, DNC entries, newest relevant events)."""
    if not customer_ids:
        return {}
    cur = await conn.execute("SELECT c.id, to_jsonb(c) FROM customers c WHERE c.id = ANY(%s)", (customer_ids,))
    rows = {cid: row for cid, row in await cur.fetchall()}
    cur = await conn.execute(
        "SELECT c.id, d.source, d.reason, d.created_at FROM customers c JOIN dnc_entries d ON d.phone = c.phone "
        "WHERE c.id = ANY(%s)", (customer_ids,))
    dnc = {cid: {"source": s, "reason": r, "created_at": at} for cid, s, r, at in await cur.fetchall()}
    cur = await conn.execute(
        "SELECT DISTINCT ON (customer_id, code) customer_id, code, category, call_id, occurred_at, details "
        "FROM compliance_events WHERE customer_id = ANY(%s) AND code = ANY(%s) "
        "AND category IN ('intent', 'consent', 'sms', 'action') ORDER BY customer_id, code, occurred_at DESC",
        (customer_ids, _EVENT_CODES))
    events: dict[uuid.UUID, dict[str, _Event]] = {}
    for cid, code, category, call_id, at, details in await cur.fetchall():
        events.setdefault(cid, {})[code] = _Event(code, category, call_id, at, details or {})
    return {cid: flags_of(rows[cid], dnc.get(cid), events.get(cid, {})) for cid in customer_ids if cid in rows}
