"""Admin API authentication and roles: bearer JWTs checked with PyJWT against the JWKS (Entra ID in Azure), or a
per-process dev key under AUTH_MODE=dev; `require_role(role)` is the dependency every admin route uses."""
from __future__ import annotations

import asyncio
import time
import uuid
from enum import StrEnum
from typing import Any, Literal

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from functions.problems import ProblemError
from functions.ratelimit import RateLimiter
from shared.settings import Settings, get_settings

DEV_ISSUER = "archer-dev"
DEV_AUDIENCE = "archer-dev"
DEV_TOKEN_TTL_S = 8 * 3600
LEEWAY_S = 30
ALGORITHMS = ["RS256"]


class Role(StrEnum):
    viewer = "viewer"
    supervisor = "supervisor"
    admin = "admin"


_RANK = {Role.viewer: 0, Role.supervisor: 1, Role.admin: 2}


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


def role_from_claims(claims: dict[str, Any]) -> Role | None:
    """The highest Archer role in `roles` ('admin', or an Entra app role value such as 'Archer.Admin')."""
    raw = claims.get("roles") or []
    if isinstance(raw, str):
        raw = [raw]
    found = [Role(v) for r in raw if isinstance(r, str) and (v := r.rsplit(".", 1)[-1].lower()) in Role.__members__]
    return max(found, key=_RANK.__getitem__) if found else None


class DevSigner:
    """A per-process RSA key for AUTH_MODE=dev: tokens it mints die with the process."""

    def __init__(self, audience: str) -> None:
        from cryptography.hazmat.primitives.asymmetric import rsa

        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.audience = audience
        self.kid = uuid.uuid4().hex

    def mint(self, role: Role, name: str, ttl_s: int = DEV_TOKEN_TTL_S) -> str:
        now = int(time.time())
        claims = {"iss": DEV_ISSUER, "aud": self.audience, "sub": f"dev-{role.value}", "name": name,
                  "roles": [role.value], "iat": now, "nbf": now, "exp": now + ttl_s}
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid})

    def decode(self, token: str) -> dict[str, Any]:
        return jwt.decode(token, self._key.public_key(), algorithms=ALGORITHMS, audience=self.audience,
                          issuer=DEV_ISSUER, leeway=LEEWAY_S, options={"require": ["exp", "iss", "aud", "sub"]})


class TokenVerifier:
    """Validates a bearer token's signature, issuer, audience and lifetime; JWKS keys cached and refreshed."""

    def __init__(self, settings: Settings) -> None:
        self.mode = settings.auth_mode
        self.issuer = settings.auth_issuer
        self.audience = settings.auth_audience
        self.dev: DevSigner | None = DevSigner(settings.auth_audience or DEV_AUDIENCE) if self.mode == "dev" else None
        self._jwks: jwt.PyJWKClient | None = None
        if self.mode == "jwt" and settings.auth_jwks_url:
            # Keys are cached per kid; an unknown kid refetches the set (key rotation), at most per request.
            self._jwks = jwt.PyJWKClient(settings.auth_jwks_url, cache_keys=True, max_cached_keys=16,
                                         cache_jwk_set=True, lifespan=300, timeout=5)

    async def verify(self, token: str) -> dict[str, Any]:
        if self.dev is not None:
            return self.dev.decode(token)
        if self._jwks is None or not self.issuer or not self.audience:
            raise ProblemError(503, "authentication is not configured (AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URL)")
        try:
            # PyJWKClient fetches with urllib (blocking): keep it off the event loop.
            key = await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)
        except jwt.PyJWKClientConnectionError:
            raise ProblemError(503, "the signing keys could not be fetched") from None
        return jwt.decode(token, key.key, algorithms=ALGORITHMS, audience=self.audience, issuer=self.issuer,
                          leeway=LEEWAY_S, options={"require": ["exp", "iss", "aud", "sub"]})


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
