"""A fake identity provider: an RSA signing key whose JWKS is served over real HTTP on 127.0.0.1:free_port,
so PyJWKClient fetches it exactly as it fetches Entra ID's keys; and a minter for test tokens."""
from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.support.servers import free_port

ISSUER = "https://login.example.test/tenant-0000/v2.0"
AUDIENCE = "api://archer-admin-test"


class FakeIdentityProvider:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = uuid.uuid4().hex
        self.fetches = 0
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        body = json.dumps({"keys": [jwk]}).encode()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                provider.fetches += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.port = free_port()
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        self.jwks_url = f"http://127.0.0.1:{self.port}/discovery/v2.0/keys"

    def token(self, roles: list[str] | None, *, sub: str = "user-1", name: str = "Test User", ttl_s: int = 600,
              audience: str = AUDIENCE, issuer: str = ISSUER, key: Any = None, kid: str | None = None) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {"iss": issuer, "aud": audience, "sub": sub, "name": name, "iat": now - 5,
                                  "nbf": now - 5, "exp": now + ttl_s}
        if roles is not None:
            claims["roles"] = roles
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": kid or self.kid})

    def env(self) -> dict[str, str]:
        return {"AUTH_MODE": "jwt", "AUTH_ISSUER": ISSUER, "AUTH_AUDIENCE": AUDIENCE, "AUTH_JWKS_URL": self.jwks_url}

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
