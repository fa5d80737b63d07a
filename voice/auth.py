"""Who may open /live and /sim: holders of an admin-API token, checked by shared/auth.py's TokenVerifier (Entra JWTs
against the JWKS, exact issuer, audience, lifetime) plus any Archer role.

Under AUTH_MODE=dev (refused in production by settings) dev tokens are minted per app instance by the admin API,
so the voice app cannot check their signature; it then only requires that a token is presented and reads its roles.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from shared.auth import TokenVerifier, role_from_claims
from shared.settings import Settings

log = logging.getLogger(__name__)


def default_token_verifier(settings: Settings) -> Callable[[str], Awaitable[object]]:
    if settings.auth_mode == "dev":
        async def present(token: str) -> object:
            if not token:
                raise PermissionError("a token is required")
            import jwt

            try:   # the role it claims decides what it may open (/sim needs supervisor), even in dev
                claims = jwt.decode(token, options={"verify_signature": False})
            except jwt.InvalidTokenError:
                raise PermissionError("the token is not a JWT") from None
            return {"sub": str(claims.get("sub") or "dev"), "roles": claims.get("roles")}

        return present

    return verifier_of(TokenVerifier(settings))


def verifier_of(verifier: TokenVerifier) -> Callable[[str], Awaitable[object]]:
    """Checks tokens with `verifier` (the dev host passes the admin API's own, so its dev tokens are verified by
    signature rather than read) and requires an Archer role."""

    async def verify(token: str) -> object:
        claims = await verifier.verify(token)
        if role_from_claims(claims) is None:
            raise PermissionError("the token carries no Archer role")
        return claims

    return verify
