"""Admin API authentication: the bearer token checked by shared/auth.py's TokenVerifier, mapped to problem+json;
`require_role(role)` is the dependency every admin route uses."""
from __future__ import annotations

from typing import Any, Literal

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from functions.problems import ProblemError
from functions.ratelimit import RateLimiter
from shared.auth import (
    DEV_TOKEN_TTL_S,
    RANK,
    AuthNotConfigured,
    DevSigner,
    Role,
    SigningKeysUnavailable,
    TokenVerifier,
    role_from_claims,
)
from shared.settings import get_settings

__all__ = ["DEV_TOKEN_TTL_S", "DevSigner", "DevToken", "DevTokenRequest", "Principal", "Role", "TokenVerifier",
           "authenticate", "get_verifier", "require_role", "role_from_claims"]

_RANK = RANK


class Principal(BaseModel):
    """Who is calling: the token's subject, a display name, and the highest Archer role it carries."""

    subject: str
    name: str
    role: Role

    @property
    def masks_pii(self) -> bool:
        """Viewers see phone and account numbers masked."""
        return self.role == Role.viewer

    def can(self, role: Role) -> bool:
        return _RANK[self.role] >= _RANK[role]


def get_verifier(request: Request) -> TokenVerifier:
    verifier: TokenVerifier | None = getattr(request.app.state, "token_verifier", None)
    if verifier is None:
        verifier = TokenVerifier(get_settings())
        request.app.state.token_verifier = verifier
    return verifier


def get_rate_limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    if limiter is None:
        settings = get_settings()
        limiter = RateLimiter(settings.api_rate_limit_per_minute, settings.redis_url)
        request.app.state.rate_limiter = limiter
    return limiter


_bearer = HTTPBearer(auto_error=False, description="An Entra ID access token (or a dev token under AUTH_MODE=dev)")
_UNAUTHORIZED = {"WWW-Authenticate": 'Bearer realm="archer"'}


async def authenticate(request: Request,
                       credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> Principal:
    """The caller's principal, from a valid bearer token; 401 otherwise. Counts the request against its limit."""
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise ProblemError(401, "a bearer token is required", headers=_UNAUTHORIZED)
    try:
        claims = await get_verifier(request).verify(credentials.credentials)
    except (AuthNotConfigured, SigningKeysUnavailable) as exc:
        raise ProblemError(503, str(exc)) from None
    except jwt.ExpiredSignatureError:
        raise ProblemError(401, "the token has expired", headers=_UNAUTHORIZED) from None
    except (jwt.InvalidTokenError, jwt.PyJWKClientError):
        raise ProblemError(401, "the token is not valid", headers=_UNAUTHORIZED) from None
    role = role_from_claims(claims)
    if role is None:
        raise ProblemError(403, "the token carries no Archer role")
    name = str(claims.get("name") or claims.get("preferred_username") or claims["sub"])
    principal = Principal(subject=str(claims["sub"]), name=name[:200], role=role)
    verdict = await get_rate_limiter(request).hit(principal.subject)
    if not verdict.allowed:
        raise ProblemError(429, "too many requests; slow down", headers={"Retry-After": str(verdict.retry_after_s)})
    request.state.principal = principal
    return principal


def require_role(role: Role | str) -> Any:
    """A dependency: the authenticated principal, if its role is at least `role` (else 403).

    Use as `principal: Principal = Depends(require_role("supervisor"))`."""
    needed = Role(role)

    async def dependency(principal: Principal = Depends(authenticate)) -> Principal:
        if not principal.can(needed):
            raise ProblemError(403, f"this action needs the {needed.value} role")
        return principal

    dependency.__name__ = f"require_{needed.value}"
    dependency.required_role = needed  # type: ignore[attr-defined]  # read by the authorization matrix test
    return dependency


class DevTokenRequest(BaseModel):
    role: Role = Field(examples=["admin"])
    name: str = Field(default="Local developer", min_length=1, max_length=100)


class DevToken(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int
    role: Role
