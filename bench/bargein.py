"""Barge-in under noise: each VAD of shared/speech/vad.py on a noisy-line corpus made here (tests/fakes/noisy_line).

Per VAD and SNR it prints: false barge-ins per minute of noise-only audio while the agent talks (babble, TV,
street, line hum, with the caller's coughs), the share of real interruptions detected within 300 ms of speech onset
(missed or late otherwise), onset latency p50/p95, "uh-huh"s that would pause the agent, and CPU milliseconds per
call-second. Usage: python bench/bargein.py [--minutes 10] [--vads energy,webrtc,silero] [--snrs 20,10,5]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FRAME_S = 0.02
WARMUP_S = 3.0                    # the line's noise before the caller speaks (the VAD has adapted to it)
LATE_MS = 300.0


def _feed_all(vad: object, ulaw: bytes, t0: float = 0.0, speaking: list[int] | None = None) -> list[float]:
    """Feed a whole clip; return the times of every "start" (and count frames spent "speaking")."""
    from tests.fakes.noisy_line import frames

    starts = []
    for i, frame in enumerate(frames(ulaw)):
        now = t0 + i * FRAME_S
        if vad.feed(frame, now) == "start":  # type: ignore[attr-defined]
            starts.append(now)
        if speaking is not None and vad.speaking:  # type: ignore[attr-defined]
            speaking[0] += 1
    return starts


def run(vad_kind: str, snr: float, minutes: float) -> dict[str, float]:
    import numpy as np

    from shared.speech.vad import make_vad
    from tests.fakes import noisy_line as nl

    per_kind_s = minutes * 60 / len(nl.NOISE_KINDS)
    cpu = 0.0
    audio_s = 0.0
    false_starts = 0
    speaking = [0]
    for k, kind in enumerate(nl.NOISE_KINDS):
        ulaw = nl.to_ulaw(nl.noisy_line(kind, per_kind_s, snr, seed=k + 1))
        vad = make_vad(vad_kind)
        c0 = time.process_time()
        starts = _feed_all(vad, ulaw, speaking=speaking)
        false_starts += len(starts)
        cpu += time.process_time() - c0
        audio_s += per_kind_s
    noise_min = audio_s / 60

    latencies: list[float] = []
    trials = missed = early = 0
    for k, kind in enumerate(nl.NOISE_KINDS):
        bed = nl.noisy_line(kind, 60.0, snr, seed=100 + k, coughs_every_s=1e9)   # no coughs around the onset
        for j, clip in enumerate(nl.interruptions()):
            start = int((j * 4.7 % 50) * nl.RATE)
            noise = bed[start:start + int((WARMUP_S + 2.0) * nl.RATE)]
            at = int(WARMUP_S * nl.RATE)
            line = nl.mix(noise, clip, at)
            vad = make_vad(vad_kind)
            c0 = time.process_time()
            starts = _feed_all(vad, nl.to_ulaw(line))
            cpu += time.process_time() - c0
            audio_s += len(line) / nl.RATE
            trials += 1
            onset = WARMUP_S
            if any(s < onset - 0.1 for s in starts):
                early += 1                              # a false start in the noise just before: counted above
            after = [(s - onset) * 1000 for s in starts if s >= onset - 0.1]
            if after and after[0] <= LATE_MS:
                latencies.append(max(0.0, after[0]))
            else:
                missed += 1
    backchannel_onsets = bc_trials = 0
    for k, kind in enumerate(nl.NOISE_KINDS):
        bed = nl.noisy_line(kind, 30.0, snr, seed=200 + k, coughs_every_s=1e9)
        for j, clip in enumerate(nl.backchannels()):
            noise = bed[j * 4 * nl.RATE:(j * 4 + 5) * nl.RATE]
            line = nl.mix(noise, clip, int(WARMUP_S * nl.RATE))
            vad = make_vad(vad_kind)
            bc_trials += 1
            backchannel_onsets += bool([s for s in _feed_all(vad, nl.to_ulaw(line)) if s >= WARMUP_S - 0.1])
    lat = np.array(latencies) if latencies else np.array([np.nan])
    return {"false_per_min": false_starts / noise_min, "false_per_10min": false_starts / noise_min * 10,
            "flagged_pct": 100 * speaking[0] * FRAME_S / (noise_min * 60),
            "detected_pct": 100 * (trials - missed) / trials, "lat_p50": float(np.percentile(lat, 50)),
            "lat_p95": float(np.percentile(lat, 95)), "early": early, "trials": trials,
            "backchannel_pct": 100 * backchannel_onsets / max(1, bc_trials),
            "cpu_ms_per_call_s": cpu * 1000 / audio_s, "noise_min": noise_min}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=10.0, help="noise-only minutes per VAD and SNR")
    parser.add_argument("--vads", default="energy,webrtc,silero,cascade")
    parser.add_argument("--snrs", default="20,10,5")
    args = parser.parse_args()
    from tests.fakes import noisy_line as nl

    if not nl.available():
        print("espeak-ng and sox are needed to make the corpus (apt-get install espeak-ng sox)")
        return 2
    print(f"load average: {os.getloadavg()}; corpus cache: {nl.cache_dir()}")
    print(f"targets with the chosen VAD: ≤ 1 false barge-in per 10 min at 10 dB SNR, ≥ 95 % detected ≤ {LATE_MS:.0f} ms")
    print(f"{'vad':>7} {'snr dB':>6} {'false/min':>9} {'false/10min':>11} {'detected ≤300ms':>15} "
          f"{'onset p50/p95 ms':>16} {'early':>5} {'noise as speech':>15} {'uh-huh paused':>13} {'cpu ms/call-s':>13}")
    for vad in args.vads.split(","):
        for snr in (float(s) for s in args.snrs.split(",")):
            r = run(vad, snr, args.minutes)
            print(f"{vad:>7} {snr:>6.0f} {r['false_per_min']:>9.2f} {r['false_per_10min']:>11.1f} "
                  f"{r['detected_pct']:>14.1f}% {r['lat_p50']:>7.0f}/{r['lat_p95']:<8.0f} {r['early']:>5} "
                  f"{r['flagged_pct']:>14.1f}% "
                  f"{r['backchannel_pct']:>12.0f}% {r['cpu_ms_per_call_s']:>13.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
