"""Compatibility: the call pipeline lives in voice/call/ (turn-taking, speaker, observation)."""
from __future__ import annotations

from voice.call import CallPipeline, PhoneLink, VoiceConfig, is_backchannel
from voice.call.turn_taking import BACKCHANNELS

__all__ = ["BACKCHANNELS", "CallPipeline", "PhoneLink", "VoiceConfig", "is_backchannel"]
