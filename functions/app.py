"""Builds the one ASGI app the Function app serves (and the dev host mounts): routers under /api."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from functions import twilio
from functions.api import (
    auth,
    callbacks,
    calls,
    campaigns,
    compliance,
    customers,
    dashboard,
    dnc,
    health,
    policy,
    quality,
    tactics,
    verification,
)
from functions.api.call_initiation import router as call_initiation_router
from functions.deps import close_pool
from functions.limits import BodySizeLimitMiddleware, SourceLimitMiddleware
from functions.openapi import install_openapi
from functions.problems import install_problem_handlers
from shared.ratelimit import DoorLimits
from shared.settings import get_settings
from shared.telemetry.logging import configure_logging
from shared.version import VERSION


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    limiter = getattr(app.state, "rate_limiter", None)
    if limiter is not None:
        await limiter.close()
    await close_pool(app)


def create_app() -> FastAPI:
    """The HTTP app. Settings are validated here, so a bad value stops start-up with one clear line."""
    settings = get_settings()
    configure_logging(settings.log_level)
    app = FastAPI(title="Archer API", version=VERSION, openapi_url="/api/openapi.json", docs_url="/api/docs",
                  redoc_url=None, lifespan=_lifespan)
    install_problem_handlers(app)
    install_openapi(app)
    app.add_middleware(BodySizeLimitMiddleware)
    limits = DoorLimits(unauthenticated_per_source_per_minute=settings.source_failure_limit_per_minute,
                        unsigned_twilio_per_source_per_minute=settings.source_failure_limit_per_minute)
    app.add_middleware(SourceLimitMiddleware, redis_url=settings.redis_url, limits=limits)
    app.include_router(health.router)
    for module in (auth, customers, calls, tactics, campaigns, callbacks, dnc, policy, dashboard, compliance,
                   quality, verification):
        app.include_router(module.router)
    app.include_router(call_initiation_router)
    app.include_router(twilio.router)
    return app
