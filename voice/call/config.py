"""The pipeline's tunables (one dataclass shared by the three rooms)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class VoiceConfig:
    silence_prompt_s: float = 6.0          # caller silent this long after the agent's turn → SilenceTimeout
    silence_max_prompts: int = 2           # then the call ends politely
    max_call_s: float = 900.0
    barge_resume_ms: int = 450             # quiet this long after a tentative barge-in (no words) → agent resumes
    barge_confirm_ms: int = 600            # caller speech this long makes the barge-in final
    vad_onset_frames: int = 3
    vad: str = "cascade"                   # 'energy' | 'webrtc' | 'silero' | 'cascade' (shared/speech/vad.py;
                                           # bench/bargein.py chose 'cascade': WebRTC, Silero while the agent talks)
    lead_ms: int = 300                     # audio sent ahead of playback: with a call ticked every 80 ms this rides
                                           # out a ~220 ms loop stall (a full GC, a preempted core); `clear`
                                           # drops it on barge-in, so barge-in is not slower for it
    tts_stall_timeout_s: float = 1.0
    hangup_grace_s: float = 5.0            # hang up even if the last mark is never echoed
    engine_close_timeout_s: float = 5.0
    eager_start: bool = False              # start the engine on turn.eager_end, speak only once turn.end agrees
