"""shared/auth.py: only the documented role names count, only from a list; the issuer is compared exactly."""
from __future__ import annotations

import pytest

from shared.auth import Role, TokenVerifier, role_from_claims
from shared.settings import load_settings
from tests.fakes.jwks import FakeIdentityProvider


@pytest.mark.parametrize(("roles", "expected"), [
    (["viewer"], Role.viewer),
    (["Archer.Supervisor"], Role.supervisor),
    (["Archer.Viewer", "admin"], Role.admin),
    (["viewer", 7, None, {"x": 1}], Role.viewer),
])
def test_documented_role_names_map_to_the_highest_role(roles: list[object], expected: Role) -> None:
    assert role_from_claims({"roles": roles}) == expected


@pytest.mark.parametrize("roles", [
    "admin",                                   # a bare string, not a list
    ["Admin"], ["ADMIN"], ["Other.Admin"], ["Foo.Archer.Admin"], ["archer.admin"], ["admins"], ["Archer.Owner"],
    [], None, {"admin": True},
])
def test_anything_else_is_no_role(roles: object) -> None:
    assert role_from_claims({"roles": roles}) is None


@pytest.fixture(scope="module")
def idp():
    provider = FakeIdentityProvider()
    yield provider
    provider.stop()


async def test_issuer_with_a_trailing_slash_is_kept_and_compared_exactly(idp: FakeIdentityProvider) -> None:
    import jwt

    v1_issuer = "https://sts.windows.net/tenant-0000/"     # Entra v1 tokens end with '/'
    settings = load_settings(auth_mode="jwt", auth_issuer=v1_issuer, auth_audience="api://archer-admin-test",
                             auth_jwks_url=idp.jwks_url)
    assert settings.auth_issuer == v1_issuer
    verifier = TokenVerifier(settings)
    claims = await verifier.verify(idp.token(["Archer.Admin"], issuer=v1_issuer))
    assert role_from_claims(claims) == Role.admin
    for near_miss in ("https://sts.windows.net/tenant-0000", "https://sts.windows.net/tenant-0000//",
                      "https://STS.windows.net/tenant-0000/"):
        with pytest.raises(jwt.InvalidIssuerError):
            await verifier.verify(idp.token(["Archer.Admin"], issuer=near_miss))
