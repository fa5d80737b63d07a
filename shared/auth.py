"""Admin tokens and Archer roles, for every deployable: bearer JWTs checked with PyJWT against the JWKS (Entra ID in
Azure) or a per-process dev key under AUTH_MODE=dev, and the one mapping from a token's `roles` claim to a Role.

No web framework here: the admin API (functions/auth.py) maps these exceptions to problem+json, the voice service
(voice/auth.py) to a websocket close code.
"""
from __future__ import annotations

import asyncio
import time
import uuid
from enum import StrEnum
from typing import Any

import jwt

from shared.settings import Settings

DEV_ISSUER = "archer-dev"
DEV_AUDIENCE = "archer-dev"
DEV_TOKEN_TTL_S = 8 * 3600
LEEWAY_S = 30
ALGORITHMS = ["RS256"]


class Role(StrEnum):
    viewer = "viewer"
    supervisor = "supervisor"
    admin = "admin"


RANK = {Role.viewer: 0, Role.supervisor: 1, Role.admin: 2}

# The only role names a token may carry: Archer's own (dev tokens) and the Entra app roles the API app registration
# defines (infra/modules/appregistrations.bicep). Anything else ('Admin', 'Other.Admin', 'admins') is no role.
ROLE_NAMES: dict[str, Role] = {
    "viewer": Role.viewer, "supervisor": Role.supervisor, "admin": Role.admin,
    "Archer.Viewer": Role.viewer, "Archer.Supervisor": Role.supervisor, "Archer.Admin": Role.admin,
}


class AuthNotConfigured(Exception):
    """AUTH_ISSUER / AUTH_AUDIENCE / AUTH_JWKS_URL are missing: no token can be checked."""


class SigningKeysUnavailable(Exception):
    """The identity provider's key set could not be fetched."""


def role_from_claims(claims: dict[str, Any]) -> Role | None:
    """The highest Archer role in the `roles` claim, which must be a list of strings (as Entra ID issues it)."""
    raw = claims.get("roles")
    if not isinstance(raw, list):
        return None
    found = [ROLE_NAMES[r] for r in raw if isinstance(r, str) and r in ROLE_NAMES]
    return max(found, key=RANK.__getitem__) if found else None


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
        claims: dict[str, Any] = jwt.decode(token, self._key.public_key(), algorithms=ALGORITHMS,
                                            audience=self.audience, issuer=DEV_ISSUER, leeway=LEEWAY_S,
                                            options={"require": ["exp", "iss", "aud", "sub"]})
        return claims


class TokenVerifier:
    """Validates a bearer token's signature, issuer (exact string, trailing slash and all), audience and lifetime;
    JWKS keys cached and refreshed."""

    def __init__(self, settings: Settings) -> None:
        self.mode = settings.auth_mode
        self.issuer = settings.auth_issuer
        self.audience = settings.auth_audience
        self.dev: DevSigner | None = DevSigner(settings.auth_audience or DEV_AUDIENCE) if self.mode == "dev" else None
        self._jwks: jwt.PyJWKClient | None = None
        if self.mode == "jwt" and settings.auth_jwks_url:
            # The key set is cached for 5 minutes (a key removed by rotation stops working within that time); an
            # unknown kid forces at most one refetch per cooldown (PyJWT's), so forged kids cannot hammer the IdP.
            self._jwks = jwt.PyJWKClient(settings.auth_jwks_url, cache_keys=False, cache_jwk_set=True,
                                         lifespan=300, timeout=5, cooldown_duration=30)

    async def verify(self, token: str) -> dict[str, Any]:
        """The token's claims; raises jwt.InvalidTokenError (bad token), AuthNotConfigured, SigningKeysUnavailable."""
        if self.dev is not None:
            return self.dev.decode(token)
        if self._jwks is None or not self.issuer or not self.audience:
            raise AuthNotConfigured("authentication is not configured (AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URL)")
        try:
            # PyJWKClient fetches with urllib (blocking): keep it off the event loop.
            key = await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)
        except jwt.PyJWKClientConnectionError:
            raise SigningKeysUnavailable("the signing keys could not be fetched") from None
        claims: dict[str, Any] = jwt.decode(token, key.key, algorithms=ALGORITHMS, audience=self.audience,
                                            issuer=self.issuer, leeway=LEEWAY_S,
                                            options={"require": ["exp", "iss", "aud", "sub"]})
        return claims
