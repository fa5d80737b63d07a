"""The one shape of a live event: type, call id, time, data; the seven types of ARCHITECTURE §5."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

EventType = Literal["call_started", "transcript", "tool_executed", "compliance_event", "call_status", "call_ended",
                    "latency", "gap"]
NO_CALL = uuid.UUID(int=0)       # the call id of a `gap` (the stream lost events of any call: refetch)
EVENT_TYPES: frozenset[str] = frozenset(EventType.__args__)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class LiveEvent:
    type: EventType
    call_id: uuid.UUID
    data: dict[str, Any] = field(default_factory=dict)
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def to_json(self) -> str:
        return json.dumps({"type": self.type, "call_id": str(self.call_id), "at": self.at.isoformat(),
                           "data": self.data}, default=str)

    @classmethod
    def from_json(cls, raw: str | bytes) -> LiveEvent:
        body = json.loads(raw)
        if body.get("type") not in EVENT_TYPES:
            raise ValueError(f"unknown live event type {str(body.get('type'))[:40]!r}")
        return cls(type=body["type"], call_id=uuid.UUID(body["call_id"]), data=dict(body.get("data") or {}),
                   at=datetime.fromisoformat(body["at"]))
