"""/api/v1/auth: who am I, and (AUTH_MODE=dev only) a locally signed token for `make dev`."""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from functions.auth import DEV_TOKEN_TTL_S, DevToken, DevTokenRequest, Principal, Role, get_verifier, require_role
from functions.problems import ProblemError, problem_responses
from shared.settings import get_settings

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@router.get("/me", response_model=Principal, responses=problem_responses(401, 403, 429))
async def me(principal: Principal = Depends(require_role(Role.viewer))) -> Principal:
    """The caller as the API sees it: subject, name, role."""
    return principal


@router.post("/dev-token", response_model=DevToken, responses=problem_responses(404, 422),
             openapi_extra={"x-dev-only": True})
async def dev_token(body: DevTokenRequest, request: Request) -> DevToken:
    """Mint a token signed with this process's dev key. Served only under AUTH_MODE=dev (never in production)."""
    settings = get_settings()
    signer = get_verifier(request).dev
    if settings.auth_mode != "dev" or settings.is_production or signer is None:
        raise ProblemError(404, "dev tokens are only issued under AUTH_MODE=dev")
    return DevToken(access_token=signer.mint(body.role, body.name), expires_in=DEV_TOKEN_TTL_S, role=body.role)
