"""Bearer JWT validation against a JWKS fetched over HTTP, role mapping, dev tokens, problem shape."""
from __future__ import annotations

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa

from functions.auth import Role, role_from_claims
from shared.settings import get_settings
from tests.fakes.jwks import FakeIdentityProvider
from tests.integration.api.conftest import bearer


async def test_valid_token_yields_principal_with_role(client: httpx.AsyncClient, idp: FakeIdentityProvider) -> None:
    r = await client.get("/api/v1/auth/me", headers=bearer(idp.token(["supervisor"], sub="s-9", name="Sam")))
    assert r.status_code == 200
    assert r.json() == {"subject": "s-9", "name": "Sam", "role": "supervisor"}


async def test_keys_are_fetched_over_http_and_cached(client: httpx.AsyncClient, idp: FakeIdentityProvider) -> None:
    await client.get("/api/v1/auth/me", headers=bearer(idp.token(["viewer"])))
    before = idp.fetches
    assert before >= 1
    for _ in range(3):
        assert (await client.get("/api/v1/auth/me", headers=bearer(idp.token(["viewer"])))).status_code == 200
    assert idp.fetches == before


async def test_rejections_are_401_problems(client: httpx.AsyncClient, idp: FakeIdentityProvider) -> None:
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cases = {
        "missing": {},
        "expired": bearer(idp.token(["admin"], ttl_s=-120)),
        "wrong audience": bearer(idp.token(["admin"], audience="api://someone-else")),
        "wrong issuer": bearer(idp.token(["admin"], issuer="https://evil.example")),
        "wrong signature": bearer(idp.token(["admin"], key=other_key)),
        "unknown kid": bearer(idp.token(["admin"], key=other_key, kid="nope")),
        "garbage": bearer("not.a.jwt"),
        "basic scheme": {"Authorization": "Basic dXNlcjpwYXNz"},
    }
    for label, headers in cases.items():
        r = await client.get("/api/v1/auth/me", headers=headers)
        assert r.status_code == 401, label
        assert r.headers["content-type"] == "application/problem+json", label
        assert r.json()["status"] == 401, label
        assert r.headers["www-authenticate"].startswith("Bearer"), label


async def test_token_without_archer_role_is_403(client: httpx.AsyncClient, idp: FakeIdentityProvider) -> None:
    r = await client.get("/api/v1/auth/me", headers=bearer(idp.token(["Reader"])))
    assert r.status_code == 403
    assert r.json()["title"] == "Forbidden"


def test_entra_style_role_values_map_to_the_highest_role() -> None:
    assert role_from_claims({"roles": ["Archer.Viewer", "Archer.Admin"]}) == Role.admin
    assert role_from_claims({"roles": ["supervisor"]}) == Role.supervisor
    assert role_from_claims({"roles": "supervisor"}) is None          # Entra issues a list; a bare string is refused
    assert role_from_claims({"roles": ["Other"]}) is None
    assert role_from_claims({}) is None


async def test_dev_token_is_refused_outside_dev_mode(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/v1/auth/dev-token", json={"role": "admin"})
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"


async def test_dev_mode_mints_tokens_the_same_process_accepts(database_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from functions.app import create_app

    monkeypatch.setenv("AUTH_MODE", "dev")
    get_settings.cache_clear()
    try:
        app = create_app()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            minted = await c.post("/api/v1/auth/dev-token", json={"role": "viewer"})
            assert minted.status_code == 200
            token = minted.json()["access_token"]
            me = await c.get("/api/v1/auth/me", headers=bearer(token))
            assert me.json()["role"] == "viewer"
        # Another process (app) has another key: the token is worthless there.
        other = create_app()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=other), base_url="http://t") as c:
            assert (await c.get("/api/v1/auth/me", headers=bearer(token))).status_code == 401
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
