"""What the admin routers share: the per-request connection (committed before the response is sent), the
role dependencies, the paged-list shape, and masking of phone/account numbers for viewers."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Request
from psycopg import AsyncConnection
from pydantic import BaseModel, Field

from functions.audit import AuditTrail, audit_trail
from functions.auth import Principal, Role, require_role
from functions.deps import db_conn, now
from functions.problems import ProblemError, problem_responses
from shared.pii import mask_account, mask_phone, mask_text
from shared.workflows.starter import WorkflowStarter

# scope="function": the transaction commits before the response leaves, so a client's next read sees it.
DB = Annotated[AsyncConnection, Depends(db_conn, scope="function")]
Viewer = Annotated[Principal, Depends(require_role(Role.viewer))]
Supervisor = Annotated[Principal, Depends(require_role(Role.supervisor))]
Admin = Annotated[Principal, Depends(require_role(Role.admin))]
Audit = Annotated[AuditTrail, Depends(audit_trail)]
# The request's one reading of the app clock (functions/deps.py): every window and gate in a request uses it.
Clock = Annotated[datetime, Depends(now)]

T = TypeVar("T")

READ_ERRORS = problem_responses(401, 403, 422, 429)
ITEM_ERRORS = problem_responses(401, 403, 404, 422, 429)
WRITE_ERRORS = problem_responses(401, 403, 404, 409, 413, 422, 429)


class Page(BaseModel, Generic[T]):
    """One page of a list; pass `next_cursor` back as `cursor` for the next page (null at the end)."""

    items: list[T]
    next_cursor: str | None = Field(default=None, description="opaque; absent or null on the last page")


def phone_for(principal: Principal, phone: str | None) -> str | None:
    return mask_phone(phone) if phone and principal.masks_pii else phone


def account_for(principal: Principal, account: str | None) -> str | None:
    return mask_account(account) if account and principal.masks_pii else account


def text_for(principal: Principal, text: str) -> str:
    return mask_text(text) if principal.masks_pii else text


def get_workflow_starter(request: Request) -> WorkflowStarter:
    """The app's WorkflowStarter (Durable client in Azure, the local driver under `make dev`); 503 when none."""
    starter: WorkflowStarter | None = getattr(request.app.state, "workflow_starter", None)
    if starter is None:
        raise ProblemError(503, "workflows unavailable: no workflow starter is configured",
                           title="Workflows unavailable")
    return starter


Starter = Annotated[WorkflowStarter, Depends(get_workflow_starter)]
