"""RFC 9457 problem details: the one error shape of the admin API, and the one place errors map to HTTP codes.

Domain errors from shared/ (not found, duplicate, refused value, bad phone) are translated here, once.
"""
from __future__ import annotations

import logging
from typing import Any

import psycopg
import psycopg.errors
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg_pool import PoolClosed, PoolTimeout
from pydantic import BaseModel, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.admin.errors import ConflictError, RowErrors
from shared.db.errors import ConstraintError, DomainError, DuplicateError, NotFoundError
from shared.phone import InvalidPhoneError

PROBLEM_JSON = "application/problem+json"
DB_RETRY_AFTER_S = 5
_log = logging.getLogger("archer.api")

_TITLES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
           409: "Conflict", 413: "Content too large", 415: "Unsupported media type", 422: "Unprocessable content",
           429: "Too many requests", 500: "Internal server error", 503: "Service unavailable"}


class FieldError(BaseModel):
    """One invalid input: where (`loc`, e.g. ["body", "phone"] or ["row", 12, "phone"]) and why."""

    loc: list[str | int]
    msg: str
    type: str = "value_error"


class Problem(BaseModel):
    """An error response (RFC 9457, media type application/problem+json)."""

    type: str = Field(default="about:blank", examples=["https://archer.example/problems/not-found"])
    title: str = Field(examples=["Not found"])
    status: int = Field(ge=400, le=599, examples=[404])
    detail: str | None = Field(default=None, examples=["customer not found"])
    instance: str | None = None
    errors: list[FieldError] | None = None


class ProblemError(Exception):
    """Raised by handlers and dependencies to answer with a problem."""

    def __init__(self, status: int, detail: str | None = None, *, title: str | None = None, type_: str | None = None,
                 errors: list[FieldError] | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail or title or str(status))
        self.status = status
        self.detail = detail
        self.title = title or _TITLES.get(status, "Error")
        self.type = type_ or _type_for(status)
        self.errors = errors
        self.headers = headers or {}


def _type_for(status: int) -> str:
    slug = _TITLES.get(status, "error").lower().replace(" ", "-")
    return f"https://archer.example/problems/{slug}"


def problem_response(request: Request, status: int, detail: str | None = None, *, title: str | None = None,
                     type_: str | None = None, errors: list[FieldError] | None = None,
                     headers: dict[str, str] | None = None) -> JSONResponse:
    body = Problem(type=type_ or _type_for(status), title=title or _TITLES.get(status, "Error"), status=status,
                   detail=detail, instance=request.url.path, errors=errors)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, headers=headers,
                        media_type=PROBLEM_JSON)


def _validation_errors(exc: RequestValidationError) -> list[FieldError]:
    out: list[FieldError] = []
    for err in exc.errors():
        loc = [part if isinstance(part, int) else str(part) for part in err.get("loc", ())]
        out.append(FieldError(loc=loc, msg=str(err.get("msg", "invalid")), type=str(err.get("type", "value_error"))))
    return out


def _domain_status(exc: DomainError) -> int:
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, DuplicateError | ConflictError):
        return 409
    if isinstance(exc, ConstraintError):
        return 422
    return 400


def install_problem_handlers(app: FastAPI) -> None:
    """Every error the app can produce leaves as application/problem+json."""

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ProblemError)
        return problem_response(request, exc.status, exc.detail, title=exc.title, type_=exc.type, errors=exc.errors,
                                headers=exc.headers)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else None
        return problem_response(request, exc.status_code, detail, headers=dict(exc.headers or {}))

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return problem_response(request, 422, "the request is not valid", errors=_validation_errors(exc))

    async def on_domain(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, RowErrors):
            errors = [FieldError(loc=["row", row, column], msg=msg) for row, column, msg in exc.errors]
            return problem_response(request, 422, str(exc), errors=errors)
        return problem_response(request, _domain_status(exc), str(exc))  # type: ignore[arg-type]

    async def on_model(request: Request, exc: Exception) -> JSONResponse:
        # A merged value (e.g. a PATCH) that fails the domain model: the caller's input, not our fault.
        assert isinstance(exc, ValidationError)
        errors = [FieldError(loc=["body", *[p if isinstance(p, int) else str(p) for p in e["loc"]]],
                             msg=str(e["msg"]), type=str(e["type"])) for e in exc.errors()]
        return problem_response(request, 422, "the request is not valid", errors=errors)

    async def on_timeout(request: Request, exc: Exception) -> JSONResponse:
        # A query hit its statement timeout: the request was too broad for now, not malformed.
        _log.warning("query timed out", extra={"path": request.url.path})
        return problem_response(request, 503, "the query took too long; narrow the filters or try again",
                                title="Query timed out", headers={"Retry-After": "5"})

    async def on_unavailable(request: Request, exc: Exception) -> JSONResponse:
        # PostgreSQL unreachable (connection refused or lost, pool exhausted waiting): the service, not the request.
        _log.warning("database unavailable", extra={"path": request.url.path, "error": type(exc).__name__})
        return problem_response(request, 503, "the database is unavailable; try again shortly",
                                headers={"Retry-After": str(DB_RETRY_AFTER_S)})

    async def on_data(request: Request, exc: Exception) -> JSONResponse:
        # Values PostgreSQL cannot store (NUL characters, out-of-range numbers) are bad input.
        return problem_response(request, 422, "a value cannot be stored (out of range or invalid characters)")

    async def on_phone(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(request, 422, f"phone: {exc}")

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        _log.error("unhandled error", extra={"path": request.url.path, "error": type(exc).__name__}, exc_info=exc)
        return problem_response(request, 500, "an unexpected error occurred")

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(DomainError, on_domain)
    app.add_exception_handler(InvalidPhoneError, on_phone)
    app.add_exception_handler(ValidationError, on_model)
    app.add_exception_handler(psycopg.errors.QueryCanceled, on_timeout)
    app.add_exception_handler(psycopg.DataError, on_data)
    for unavailable in (psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout, PoolClosed):
        app.add_exception_handler(unavailable, on_unavailable)
    app.add_exception_handler(Exception, on_unexpected)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries declaring the problem shape for the given statuses."""
    return {s: {"model": Problem, "description": _TITLES.get(s, "Error"),
                "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}} for s in statuses}
