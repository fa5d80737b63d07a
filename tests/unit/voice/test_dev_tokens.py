"""Under the dev host the voice sockets check the admin API's dev tokens by signature: a token that merely claims
a role (as the unsigned read of a standalone dev voice service would accept) is refused."""
from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from shared.auth import DEV_ISSUER, Role, TokenVerifier
from shared.settings import load_settings
from voice.auth import verifier_of


def _dev_verifier(monkeypatch: pytest.MonkeyPatch) -> TokenVerifier:
    monkeypatch.setenv("ARCHER_ENV", "local")
    monkeypatch.setenv("AUTH_MODE", "dev")
    verifier = TokenVerifier(load_settings())
    assert verifier.dev is not None
    return verifier


async def test_a_token_minted_by_the_api_opens_the_voice_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    verifier = _dev_verifier(monkeypatch)
    assert verifier.dev is not None
    claims = await verifier_of(verifier)(verifier.dev.mint(Role.supervisor, "Sam"))
    assert isinstance(claims, dict) and claims["roles"] == ["supervisor"]


async def test_a_forged_supervisor_token_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    verifier = _dev_verifier(monkeypatch)
    assert verifier.dev is not None
    now = int(time.time())
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode({"iss": DEV_ISSUER, "aud": verifier.dev.audience, "sub": "dev-supervisor", "roles": ["supervisor"],
                         "iat": now, "exp": now + 600}, other_key, algorithm="RS256", headers={"kid": verifier.dev.kid})
    with pytest.raises(jwt.InvalidTokenError):
        await verifier_of(verifier)(forged)
    unsigned = jwt.encode({"sub": "x", "roles": ["admin"]}, key=None, algorithm="none")  # type: ignore[arg-type]
    with pytest.raises(jwt.InvalidTokenError):
        await verifier_of(verifier)(unsigned)
