"""A noisy-phone-line corpus made here, at test/bench time, with espeak-ng and sox (cached, never committed).

- speech: interruptions ("wait, stop…") in several espeak-ng voices, and backchannels ("uh-huh", "mm-hmm");
- noise: babble (six overlapping talkers, pitched and filtered), TV (a far talker with reverb over music),
  street (pink/brown noise with passing traffic swells and a horn), line hum (50/60 Hz harmonics and hiss),
  each with coughs sprinkled in;
- mixing at a given SNR: the noise's RMS is set that many dB below the active speech level (-20 dBFS).

Everything is 8 kHz int16 numpy arrays; `to_ulaw` gives the μ-law bytes a phone line carries.
"""
from __future__ import annotations

import hashlib
import os
import random
import shutil
import subprocess
from pathlib import Path

import numpy as np

RATE = 8000
SPEECH_DBFS = -20.0
NOISE_KINDS = ("babble", "tv", "street", "hum")
INTERRUPTIONS = ["wait, stop please", "no, hold on a second", "sorry, that's not right", "I already paid that",
                 "can I speak to a person", "stop calling me", "hang on, what was that amount", "excuse me",
                 "no no no", "just a minute", "I can't afford that", "what did you say"]
BACKCHANNELS = ["uh-huh", "mm-hmm", "yeah", "okay", "right"]
VOICES = ["en-us", "en-gb", "en-us+f3", "en-gb-x-rp+m3", "en-029+f2", "en-gb-scotland"]
_BABBLE_TEXT = ("The committee met on Tuesday to discuss the new budget and the plans for the summer season, "
                "and after a long debate about the park, the library and the roads, they agreed to meet again. "
                "My sister called yesterday and we talked about the weather, the kids, the garden, and the trip "
                "we are planning for next year if everything goes well at work and the car is fixed in time.")


def available() -> bool:
    return bool(shutil.which("espeak-ng") and shutil.which("sox"))


def cache_dir() -> Path:
    root = Path(os.environ.get("ARCHER_NOISE_CACHE") or Path.home() / ".cache" / "archer" / "noisy-line")
    root.mkdir(parents=True, exist_ok=True)
    return root


def _cached(key: str, make: callable) -> np.ndarray:  # type: ignore[valid-type]
    path = cache_dir() / f"{hashlib.sha1(key.encode()).hexdigest()[:16]}.npy"
    if path.exists():
        return np.load(path)
    audio = np.asarray(make(), dtype=np.int16)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, audio)
    tmp.replace(path)
    return audio


def _sox_raw(args: list[str], stdin: bytes | None = None) -> np.ndarray:
    """Run sox producing 8 kHz mono signed 16-bit raw on stdout."""
    out = subprocess.run(["sox", *args], input=stdin, capture_output=True, check=True).stdout
    return np.frombuffer(out, dtype=np.int16).copy()


def _espeak(text: str, voice: str, speed: int = 170, pitch: int = 50) -> np.ndarray:
    wav = subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout", text],
                         capture_output=True, check=True).stdout
    return _sox_raw(["-t", "wav", "-", "-t", "raw", "-r", str(RATE), "-e", "signed", "-b", "16", "-c", "1", "-",
                     "highpass", "300", "lowpass", "3400"], wav)


def _synth(seconds: float, *effects: str) -> np.ndarray:
    return _sox_raw(["-n", "-t", "raw", "-r", str(RATE), "-e", "signed", "-b", "16", "-c", "1", "-",
                     "synth", f"{seconds:.2f}", *effects])


def _trim_silence(x: np.ndarray) -> np.ndarray:
    loud = np.flatnonzero(np.abs(x.astype(np.int32)) > 300)
    return x[loud[0]:loud[-1] + 1] if len(loud) else x


def active_rms(x: np.ndarray) -> float:
    """RMS over the 20 ms frames that carry signal (ITU P.56-like, crude): the level a listener calls 'speech'."""
    f = x[: len(x) // 160 * 160].astype(np.float64).reshape(-1, 160)
    rms = np.sqrt((f ** 2).mean(axis=1))
    active = rms[rms > rms.max() * 0.1] if rms.size else rms
    return float(np.sqrt((active ** 2).mean())) if active.size else 0.0


def set_level(x: np.ndarray, dbfs: float, *, active: bool = True) -> np.ndarray:
    level = active_rms(x) if active else float(np.sqrt((x.astype(np.float64) ** 2).mean()))
    gain = 32768 * 10 ** (dbfs / 20) / max(level, 1e-9)
    return np.clip(x.astype(np.float64) * gain, -32768, 32767).astype(np.int16)


def speech_clip(text: str, voice: str) -> np.ndarray:
    return _cached(f"speech|{text}|{voice}",
                   lambda: set_level(_trim_silence(_espeak(text, voice)), SPEECH_DBFS))


def interruptions() -> list[np.ndarray]:
    return [speech_clip(t, VOICES[i % len(VOICES)]) for i, t in enumerate(INTERRUPTIONS * 2)]


def backchannels() -> list[np.ndarray]:
    return [speech_clip(t, VOICES[i % len(VOICES)]) for i, t in enumerate(BACKCHANNELS)]


def cough(seed: int) -> np.ndarray:
    """A cough: a sharp-attack burst of band-passed noise, 150-350 ms, sometimes double."""
    rng = random.Random(seed)
    length = rng.uniform(0.15, 0.35)

    def make() -> np.ndarray:
        burst = _synth(length, "pinknoise", "band", str(rng.randint(500, 1200)), "800",
                       "fade", "t", "0.01", f"{length:.2f}", f"{length * 0.8:.2f}")
        if rng.random() < 0.4:
            burst = np.concatenate([burst, np.zeros(int(RATE * 0.08), np.int16), burst[: len(burst) * 2 // 3]])
        return set_level(burst, SPEECH_DBFS + rng.uniform(-6, 2))
    return _cached(f"cough|{seed}", make)


def _babble(seconds: float) -> np.ndarray:
    parts = []
    for i, voice in enumerate(VOICES):
        words = _BABBLE_TEXT.split()
        k = (i * 7) % len(words)
        text = " ".join(words[k:] + words[:k])
        talker = _espeak(text, voice, speed=150 + 10 * i, pitch=30 + 8 * i)
        reps = int(seconds * RATE / max(1, len(talker))) + 1
        talker = np.tile(talker, reps)[: int(seconds * RATE)]
        parts.append(talker.astype(np.float64) * (0.6 + 0.1 * i))
    return np.clip(sum(parts), -32768, 32767).astype(np.int16)


def _tv(seconds: float) -> np.ndarray:
    talk = _espeak(_BABBLE_TEXT, "en-gb-x-rp", speed=165)
    talk = _sox_raw(["-t", "raw", "-r", str(RATE), "-e", "signed", "-b", "16", "-c", "1", "-", "-t", "raw", "-",
                     "reverb", "60", "gain", "-3"], talk.tobytes())
    reps = int(seconds * RATE / max(1, len(talk))) + 1
    talk = np.tile(talk, reps)[: int(seconds * RATE)].astype(np.float64)
    music = _synth(seconds, "sine", "220", "sine", "277", "sine", "330", "tremolo", "2", "60",
                   "remix", "-", "gain", "-12").astype(np.float64)[: len(talk)]
    music = np.pad(music, (0, len(talk) - len(music)))
    return np.clip(talk + 0.5 * music, -32768, 32767).astype(np.int16)


def _street(seconds: float) -> np.ndarray:
    base = _synth(seconds, "brownnoise", "lowpass", "1200").astype(np.float64)
    swell = _synth(seconds, "pinknoise", "tremolo", "0.15", "90").astype(np.float64)
    horn = _synth(0.4, "square", "440", "gain", "-6").astype(np.float64)
    out = base + 0.7 * swell[: len(base)]
    for at in np.arange(7.3, seconds - 1, 23.0):
        i = int(at * RATE)
        out[i:i + len(horn)] += horn[: len(out) - i]
    return np.clip(out, -32768, 32767).astype(np.int16)


def _hum(seconds: float) -> np.ndarray:
    return _synth(seconds, "sine", "60", "sine", "120", "sine", "180", "whitenoise", "remix", "-",
                  "gain", "-6")


_MAKERS = {"babble": _babble, "tv": _tv, "street": _street, "hum": _hum}


def noise_bed(kind: str, seconds: float) -> np.ndarray:
    """`seconds` of one background at -20 dBFS RMS."""
    return _cached(f"bed|{kind}|{seconds}", lambda: set_level(_MAKERS[kind](seconds), SPEECH_DBFS, active=False))


def noisy_line(kind: str, seconds: float, snr_db: float, *, coughs_every_s: float = 12.0,
               seed: int = 1) -> np.ndarray:
    """A caller's side of the line with no speech: the background `snr_db` below the speech level, and the
    caller's coughs (at about speech level) every `coughs_every_s` seconds on average."""
    bed = noise_bed(kind, seconds).astype(np.float64) * 10 ** (-snr_db / 20)
    rng = random.Random(seed)
    t = rng.uniform(2, coughs_every_s)
    while t < seconds - 1:
        c = cough(rng.randint(0, 10_000)).astype(np.float64)
        i = int(t * RATE)
        bed[i:i + len(c)] += c[: len(bed) - i]
        t += rng.uniform(coughs_every_s * 0.5, coughs_every_s * 1.5)
    return np.clip(bed, -32768, 32767).astype(np.int16)


def mix(noise: np.ndarray, speech: np.ndarray, at: int) -> np.ndarray:
    out = noise.astype(np.float64).copy()
    end = min(len(out), at + len(speech))
    out[at:end] += speech[: end - at]
    return np.clip(out, -32768, 32767).astype(np.int16)


def to_ulaw(x: np.ndarray) -> bytes:
    """G.711 μ-law encode (vectorised)."""
    s = x.astype(np.int32)
    sign = np.where(s < 0, 0x80, 0)
    mag = np.minimum(np.abs(s), 32635) + 0x84
    exponent = np.floor(np.log2(mag)).astype(np.int32) - 7
    exponent = np.clip(exponent, 0, 7)
    mantissa = (mag >> (exponent + 3)) & 0x0F
    return (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8).tobytes()


def frames(ulaw: bytes) -> list[bytes]:
    return [ulaw[i:i + 160] for i in range(0, len(ulaw) - 159, 160)]
