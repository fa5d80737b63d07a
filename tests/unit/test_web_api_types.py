"""The admin web app's API types (web/src/api/schema.d.ts) match what the backend's OpenAPI generates today.

A backend change that the UI has not picked up fails here; `cd web && npm run gen:api` regenerates the types,
and the TypeScript build then shows every place in the UI the change breaks.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.support.servers import repo_root

WEB = repo_root() / "web"


def test_checked_in_api_types_match_the_backend_openapi() -> None:
    node = shutil.which("node")
    if node is None or not (WEB / "node_modules" / "openapi-typescript").exists():
        pytest.fail("web/node_modules is missing: run `make web-install` (make test does)")
    result = subprocess.run([node, "scripts/gen-api.mjs", "--check"], cwd=WEB, capture_output=True, text=True,
                            env={**os.environ, "PYTHON": sys.executable, "ARCHER_ENV": "test"},
                            timeout=120)
    assert result.returncode == 0, result.stderr + result.stdout
