"""Per-app telephony services the webhooks and the initiate route share, built lazily on first use.

Tests (and the dev host) may put their own on `app.state` first: `call_control`, `dialer`, `workflow_starter`.
"""
from __future__ import annotations

from fastapi import FastAPI, Request

from functions.deps import get_pool
from shared.settings import get_settings
from shared.telephony.dialer import Dialer
from shared.telephony.twilio_call_control import TwilioCallControl
from shared.workflows.starter import WorkflowStarter


async def call_control(request: Request) -> TwilioCallControl:
    app: FastAPI = request.app
    control: TwilioCallControl | None = getattr(app.state, "call_control", None)
    if control is None:
        control = TwilioCallControl(await get_pool(app), get_settings())
        app.state.call_control = control
    return control


def workflow_starter(request: Request) -> WorkflowStarter | None:
    """The durable-workflow starter when one is configured (the workflows part sets it); None otherwise."""
    return getattr(request.app.state, "workflow_starter", None)


async def dialer(request: Request) -> Dialer:
    app: FastAPI = request.app
    the_dialer: Dialer | None = getattr(app.state, "dialer", None)
    if the_dialer is None:
        the_dialer = Dialer(get_settings())
        app.state.dialer = the_dialer
    return the_dialer
