"""The engine's view of the compliance part (shared.compliance): caller intents and their recorded actions, the
fixed disclosures and their record — one import point, so the engine names what it relies on."""
from __future__ import annotations

import uuid

from psycopg import AsyncConnection

from shared.compliance import disclosures as _disclosures
from shared.compliance.disclosures import DisclosureKind as Disclosure
from shared.compliance.intents import Intent, IntentMatch, apply_intent, detect_intents

__all__ = ["Disclosure", "Intent", "IntentMatch", "apply_intent", "detect_intents", "disclosure_text",
           "is_first_conversation", "record_disclosure"]


def disclosure_text(kind: Disclosure, *, bank_name: str, agent_name: str, callback_number: str) -> str:
    """The fixed, signed-off wording of a disclosure (never generated)."""
    return _disclosures.disclosure_text(kind, bank_name=bank_name, agent_name=agent_name,
                                        callback_number=callback_number)


async def record_disclosure(conn: AsyncConnection, *, kind: Disclosure, call_id: uuid.UUID,
                            customer_id: uuid.UUID | None) -> None:
    await _disclosures.record_disclosure(conn, kind=kind, call_id=call_id, customer_id=customer_id)


async def is_first_conversation(conn: AsyncConnection, customer_id: uuid.UUID) -> bool:
    """True until this consumer has once been given the Mini-Miranda."""
    return await _disclosures.is_first_conversation(conn, customer_id)
