"""Every admin route × every caller: no token, expired, wrong audience, wrong issuer, wrong signature, and each
role. Routes come from `app.routes`, so a new route cannot escape the matrix (or ship without a role)."""
from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from psycopg import AsyncConnection

from functions.auth import Role
from tests.fakes.jwks import FakeIdentityProvider
from tests.integration.api.conftest import bearer

PUBLIC = {("GET", "/api/v1/health"), ("POST", "/api/v1/auth/dev-token")}
RANK = {Role.viewer: 0, Role.supervisor: 1, Role.admin: 2}


def _required_role(route: Any) -> Role | None:
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        role = getattr(dep.call, "required_role", None)
        if role is not None:
            return Role(role)
        stack.extend(dep.dependencies)
    return None


def admin_routes(app: FastAPI) -> list[tuple[str, str, Role | None]]:
    """(method, path, role) of every API route as mounted (FastAPI's effective routes, includes flattened)."""
    out = []
    for ctx in iter_route_contexts(app.routes):
        if isinstance(ctx.original_route, APIRoute) and str(ctx.path).startswith("/api/v1/"):
            for method in sorted(set(ctx.methods or ()) - {"HEAD", "OPTIONS"}):
                out.append((method, str(ctx.path), _required_role(ctx)))
    return out


def _concrete(path: str) -> str:
    def value(m: re.Match[str]) -> str:
        return "1" if m.group(1) in ("tactic_id", "entry_id") else str(uuid.uuid4())

    return re.sub(r"\{([a-z_]+)\}", value, path)


async def _send(client: httpx.AsyncClient, method: str, path: str, headers: dict[str, str]) -> httpx.Response:
    kwargs: dict[str, Any] = {"headers": headers}
    if method in ("POST", "PUT", "PATCH"):
        kwargs["json"] = {}
    return await client.request(method, _concrete(path), **kwargs)


def test_every_admin_route_requires_a_role(api_app: FastAPI) -> None:
    routes = admin_routes(api_app)
    assert len(routes) >= 30
    unguarded = [(m, p) for m, p, role in routes if role is None and (m, p) not in PUBLIC]
    assert not unguarded, f"routes without require_role: {unguarded}"


async def test_authorization_matrix(api_app: FastAPI, client: httpx.AsyncClient, idp: FakeIdentityProvider,
                                    tokens: dict[str, str], conn: AsyncConnection) -> None:
    from tests.fakes.workflow_starter import RecordingStarter

    api_app.state.workflow_starter = RecordingStarter()
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    bad_tokens = {
        "no token": {},
        "expired": bearer(idp.token(["admin"], ttl_s=-600)),
        "wrong audience": bearer(idp.token(["admin"], audience="api://not-archer")),
        "wrong issuer": bearer(idp.token(["admin"], issuer="https://login.example.test/other/v2.0")),
        "wrong signature": bearer(idp.token(["admin"], key=other_key)),
    }
    failures: list[str] = []
    checked = 0
    for method, path, role in admin_routes(api_app):
        if (method, path) in PUBLIC:
            continue
        assert role is not None
        for label, headers in bad_tokens.items():
            r = await _send(client, method, path, headers)
            checked += 1
            if r.status_code != 401 or r.headers["content-type"] != "application/problem+json":
                failures.append(f"{method} {path} [{label}] → {r.status_code}")
        for caller in Role:
            r = await _send(client, method, path, bearer(tokens[caller.value]))
            checked += 1
            allowed = RANK[caller] >= RANK[role]
            if allowed and r.status_code in (401, 403):
                failures.append(f"{method} {path} [{caller.value}] refused with {r.status_code}")
            if not allowed and r.status_code != 403:
                failures.append(f"{method} {path} [{caller.value}] → {r.status_code}, expected 403")
            if r.status_code >= 500 and r.status_code != 503:
                failures.append(f"{method} {path} [{caller.value}] → {r.status_code}")
    assert not failures, "\n".join(failures)
    assert checked >= 30 * 8


@pytest.mark.parametrize(("method", "path", "role"), [
    ("POST", "/api/v1/customers/import", Role.admin), ("PUT", "/api/v1/policy", Role.admin),
    ("POST", "/api/v1/compliance/dnc", Role.admin), ("POST", "/api/v1/tactics", Role.admin),
    ("POST", "/api/v1/campaigns/{campaign_id}/start", Role.supervisor), ("GET", "/api/v1/calls", Role.viewer),
    ("GET", "/api/v1/customers/{customer_id}/contact-check", Role.viewer),
    ("GET", "/api/v1/customers/{customer_id}/compliance", Role.viewer),
    ("GET", "/api/v1/compliance/events", Role.viewer), ("POST", "/api/v1/tactics/preview", Role.viewer),
])
def test_roles_of_key_routes(api_app: FastAPI, method: str, path: str, role: Role) -> None:
    assert (method, path, role) in admin_routes(api_app)
