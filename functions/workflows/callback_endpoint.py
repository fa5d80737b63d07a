"""`POST /api/workflows/callbacks/{callback_id}`: how processes outside the Function app (the voice service) start a
callback orchestration. Function-key protected by the host; idempotent by construction.

The callback id is the idempotency key: the Durable instance id derives from it (shared/workflows/policy.py), an
existing instance in any state is answered 200 with its id, and host.json keeps running instances from being
overwritten, so retries after a lost answer never start a second orchestration for one promised callback.
"""
from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import azure.durable_functions as df
import azure.functions as func

from functions.workflows import names
from shared.workflows import policy

log = logging.getLogger("archer.workflows.endpoint")
bp = df.Blueprint()
ROUTE = "api/workflows/callbacks/{callback_id}"


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


def _problem(status: int, detail: str) -> Answer:
    return Answer(status, {"type": "about:blank", "title": "Bad Request" if status == 400 else "Error",
                           "status": status, "detail": detail})


def _parse(callback_id: str, raw: bytes) -> tuple[uuid.UUID, dict[str, Any]] | Answer:
    try:
        cid = uuid.UUID(callback_id)
    except ValueError:
        return _problem(400, "callback_id must be a UUID")
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        return _problem(400, "the body must be JSON")
    if not isinstance(body, dict):
        return _problem(400, "the body must be a JSON object")
    return cid, body


async def _exists(client: df.DurableOrchestrationClient, instance_id: str) -> bool:
    status = await client.get_status(instance_id)
    return status is not None and status.runtime_status is not None


async def start_callback(client: df.DurableOrchestrationClient, callback_id: str, raw: bytes) -> Answer:
    """Start the callback orchestration once; 202 when started now, 200 when it already exists."""
    parsed = _parse(callback_id, raw)
    if isinstance(parsed, Answer):
        return parsed
    cid, body = parsed
    try:
        scheduled_for = datetime.fromisoformat(str(body.get("scheduled_for", "")))
    except ValueError:
        return _problem(400, "scheduled_for must be an ISO 8601 time")
    if scheduled_for.tzinfo is None:
        return _problem(400, "scheduled_for must carry a UTC offset")
    instance_id = policy.callback_instance_id(cid)
    if await _exists(client, instance_id):
        return Answer(200, {"instance_id": instance_id, "started": False})
    try:
        await client.start_new(names.CALLBACK_ORCHESTRATOR, instance_id,
                               {"callback_id": str(cid), "scheduled_for": scheduled_for.isoformat()})
    except Exception:
        if await _exists(client, instance_id):       # a concurrent retry won the race
            return Answer(200, {"instance_id": instance_id, "started": False})
        raise
    log.info("callback orchestration started", extra={"instance_id": instance_id})
    return Answer(202, {"instance_id": instance_id, "started": True})


async def cancel_callback(client: df.DurableOrchestrationClient, callback_id: str, raw: bytes) -> Answer:
    parsed = _parse(callback_id, raw)
    if isinstance(parsed, Answer):
        return parsed
    cid, body = parsed
    instance_id = policy.callback_instance_id(cid)
    status = await client.get_status(instance_id)
    if status is not None and status.runtime_status in (df.OrchestrationRuntimeStatus.Running,
                                                         df.OrchestrationRuntimeStatus.Pending):
        await client.raise_event(instance_id, names.EVENT_CANCEL, {"reason": str(body.get("reason", ""))[:200]})
        return Answer(202, {"instance_id": instance_id, "cancelled": True})
    return Answer(200, {"instance_id": instance_id, "cancelled": False})


def _response(answer: Answer) -> func.HttpResponse:
    mimetype = "application/problem+json" if answer.status >= 400 else "application/json"
    return func.HttpResponse(json.dumps(answer.body), status_code=answer.status, mimetype=mimetype)


@bp.function_name("workflow_callback_start")
@bp.route(route=ROUTE, methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
@bp.durable_client_input(client_name="client")
async def workflow_callback_start(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    return _response(await start_callback(client, req.route_params.get("callback_id", ""), req.get_body()))


@bp.function_name("workflow_callback_cancel")
@bp.route(route=ROUTE + "/cancel", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
@bp.durable_client_input(client_name="client")
async def workflow_callback_cancel(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    return _response(await cancel_callback(client, req.route_params.get("callback_id", ""), req.get_body()))
