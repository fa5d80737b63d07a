"""The OpenAPI document of the HTTP app, with the one problem shape declared on every error an operation can
return; `python -m functions.openapi` prints it (the web app generates its TypeScript types from it)."""
from __future__ import annotations

import json
import sys
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from functions.problems import PROBLEM_JSON

_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_COMMON = {"500": "Internal server error", "503": "Service unavailable"}
_WITH_BODY = {"400": "Bad request", "413": "Content too large", "415": "Unsupported media type"}


def _add(responses: dict[str, Any], status: str, description: str) -> None:
    entry = responses.setdefault(status, {"description": description})
    entry.setdefault("content", {})[PROBLEM_JSON] = {"schema": _PROBLEM_REF}


def build_openapi(app: FastAPI) -> dict[str, Any]:
    spec = get_openapi(title=app.title, version=app.version, routes=app.routes,
                       description="Archer admin REST API. Errors are RFC 9457 problem details "
                                   "(application/problem+json).")
    for path, item in spec.get("paths", {}).items():
        for op in item.values():
            responses = op.setdefault("responses", {})
            for status, description in _COMMON.items():
                _add(responses, status, description)
            if "requestBody" in op:
                for status, description in _WITH_BODY.items():
                    _add(responses, status, description)
            for status, entry in responses.items():
                # Error responses are problem details only (FastAPI also lists the model as application/json).
                if status.startswith(("4", "5")) and PROBLEM_JSON in entry.get("content", {}) and path != "/api/v1/health":
                    entry["content"].pop("application/json", None)
    return spec


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def main() -> None:
    from functions.app import create_app

    json.dump(create_app().openapi(), sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
