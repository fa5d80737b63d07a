"""The `messages` table: every SMS sent to or received from a customer, for their timeline.

Inbound messages are idempotent on Twilio's MessageSid, so a retried webhook is recognised and not re-applied.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from psycopg import AsyncConnection
from psycopg.rows import class_row


@dataclass(frozen=True)
class Message:
    id: int
    message_sid: str | None
    customer_id: uuid.UUID | None
    call_id: uuid.UUID | None
    direction: str
    phone: str
    body: str
    status: str
    created_at: datetime
    simulated: bool = False                 # a simulated call's message: never sent


async def record_message(conn: AsyncConnection, *, direction: str, phone: str, body: str, status: str,
                         message_sid: str | None = None, customer_id: uuid.UUID | None = None,
                         call_id: uuid.UUID | None = None) -> Message | None:
    """Insert one message; returns None when this MessageSid was already recorded (a webhook retry)."""
    async with conn.cursor(row_factory=class_row(Message)) as cur:
        await cur.execute(
            """INSERT INTO messages (message_sid, customer_id, call_id, direction, phone, body, status)
               VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (message_sid) DO NOTHING RETURNING *""",
            (message_sid, customer_id, call_id, direction, phone, body, status))
        return await cur.fetchone()


async def messages_for_customer(conn: AsyncConnection, customer_id: uuid.UUID, *, limit: int = 100
                                ) -> list[Message]:
    async with conn.cursor(row_factory=class_row(Message)) as cur:
        await cur.execute("SELECT * FROM messages WHERE customer_id = %s AND NOT simulated "
                          "ORDER BY created_at DESC, id DESC LIMIT %s",
                          (customer_id, limit))
        return await cur.fetchall()
