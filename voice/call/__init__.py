"""One phone call's realtime pipeline in three rooms, each testable on its own:

- `turn_taking`: who speaks when (barge-in, speculative starts, silence and hang-up timers); one actor with a
  typed inbox (`messages`), which also feeds the engine one input at a time;
- `speaker`: the agent's voice (TTS turn → reframer → paced playout) and what the caller actually heard;
- `observation`: engine events → live events and per-turn metrics (shared with /sim, so the mapping exists once).

Inbound phone events are the neutral types of `phone` (the Twilio serializer produces them); `reader` is the
media reader loop that turns a websocket into those events, robust to bad frames.
"""
from __future__ import annotations

from voice.call.config import VoiceConfig
from voice.call.phone import PhoneLink
from voice.call.turn_taking import CallPipeline, is_backchannel

__all__ = ["CallPipeline", "PhoneLink", "VoiceConfig", "is_backchannel"]
