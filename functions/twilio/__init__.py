"""Twilio's webhooks (/api/twilio/*): every request's X-Twilio-Signature is checked before anything else."""
from __future__ import annotations

from fastapi import APIRouter

from functions.twilio import callbacks, sms, voice

router = APIRouter()
router.include_router(voice.router)
router.include_router(callbacks.router)
router.include_router(sms.router)
