"""The guide's voice mode: browser microphone PCM (s16le 16 kHz) → Cartesia STT, answers → Cartesia TTS as PCM s16le
24 kHz binary frames, barge-in, and a `metrics` message per voice turn.

Push-to-talk: `ptt down` opens a fresh STT stream for the turn, `ptt up` is the end of speech: the stream is
finalized at once (Cartesia's `close` turns the buffered audio into `turn.end`) instead of waiting for turn
detection. Hands-free: audio without `ptt down` goes to one continuous stream whose turn detection ends each turn
(end of speech = the STT's `turn.end`); a `turn.start` while Archer speaks is a barge-in.

Metrics (per voice turn, like phone calls): eos_to_first_audio_ms = end of speech → first audio byte sent to the
browser; stt_final_ms = end of speech → the final transcript; brain_ms = the agent's answer (brain + tool);
tts_first_byte_ms = first sentence pushed → first audio byte from Cartesia; overhead_ms = Archer's own share (the
total minus the STT and TTS waits, and minus the LLM when the llm brain answered)."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Any

from shared.speech.stt import SttEvent, SttStream
from shared.speech.tts import TtsStream, TtsTurn

if TYPE_CHECKING:
    from shared.settings import Settings
    from voice.guide import GuideConfig, GuideSession, VoiceTurnClock

log = logging.getLogger(__name__)

FINAL_TIMEOUT_S = 3.0          # ptt up → the final transcript at most
BYTES_PER_S = 24_000 * 2


class GuideSpeech:
    def __init__(self, session: GuideSession, client: Any, settings: Settings, cfg: GuideConfig) -> None:
        from voice.guide import OUT_FORMAT

        self.session = session
        self.client = client
        self.settings = settings
        self.stt_model = cfg.stt_model or settings.cartesia_stt_model
        self.tts = TtsStream(client, model_id=settings.cartesia_tts_model, voice_id=settings.cartesia_voice_id,
                             label=":guide", output_format=OUT_FORMAT)
        self.events: asyncio.Queue[tuple[str, SttEvent]] = asyncio.Queue()
        self.ptt_stream: SttStream | None = None
        self.ptt_start: asyncio.Task[None] | None = None
        self.free_stream: SttStream | None = None
        self.free_start: asyncio.Task[None] | None = None
        self.clock: VoiceTurnClock | None = None
        self.tts_turn: TtsTurn | None = None
        self.speaking = False
        self._ptt_final = asyncio.Event()
        self._consumer: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.tts.start()
        self._consumer = asyncio.create_task(self._consume(), name="guide-stt-events")

    def _stream(self, tag: str) -> tuple[SttStream, asyncio.Task[None]]:
        stream = SttStream(self.client, lambda e: self.events.put_nowait((tag, e)), model=self.stt_model,
                           label=f":guide-{tag}", encoding="pcm_s16le", sample_rate=16_000, max_reconnects=2)
        return stream, asyncio.create_task(stream.start(), name=f"guide-stt-{tag}")

    # ---- input ----
    async def audio(self, data: bytes) -> None:
        if self.ptt_stream is not None:
            self.ptt_stream.send_audio(data)
            return
        if self.free_stream is None:
            self.free_stream, self.free_start = self._stream("free")
        self.free_stream.send_audio(data)

    async def ptt_down(self) -> None:
        await self._close_ptt()
        self.ptt_stream, self.ptt_start = self._stream("ptt")
        self.clock = None
        self._ptt_final.clear()
        await self.session.state("listening")

    async def ptt_up(self) -> None:
        from voice.guide import VoiceTurnClock

        stream, starting = self.ptt_stream, self.ptt_start
        if stream is None or starting is None:
            await self.session.error("ptt up without ptt down")
            return
        self.clock = VoiceTurnClock(eos_at=time.monotonic())
        await self.session.state("thinking")
        try:
            await starting
            await stream.finalize()
            async with asyncio.timeout(FINAL_TIMEOUT_S):
                await self._ptt_final.wait()
        except Exception as exc:           # the STT did not answer: say so, the session goes on
            log.warning("guide stt final missing", extra={"error": type(exc).__name__})
            await self.session.error("speech recognition did not answer; please try again or type")
            await self.session.state("idle")
        finally:
            if self.ptt_stream is stream:
                await self._close_ptt()

    async def _close_ptt(self) -> None:
        stream, starting = self.ptt_stream, self.ptt_start
        self.ptt_stream = self.ptt_start = None
        if starting is not None:
            if not starting.done():
                starting.cancel()
            await asyncio.gather(starting, return_exceptions=True)
        if stream is not None:
            await stream.close()

    async def _consume(self) -> None:
        while True:
            tag, event = await self.events.get()
            try:
                await self._on_event(tag, event)
            except Exception as exc:
                log.warning("guide stt event failed", extra={"error": type(exc).__name__})

    async def _on_event(self, tag: str, event: SttEvent) -> None:
        from voice.guide import VoiceTurnClock

        if event.kind == "turn.start" and tag == "free" and self.speaking:
            await self.session.interrupt()                       # hands-free barge-in
        elif event.kind == "turn.start":
            await self.session.state("listening")
        elif event.kind == "turn.update" and event.transcript:
            await self.session.send({"type": "transcript", "text": event.transcript, "final": False})
        elif event.kind == "turn.end":
            now = time.monotonic()
            if tag == "ptt":
                if self._ptt_final.is_set():
                    return
                self._ptt_final.set()
                clock = self.clock or VoiceTurnClock(eos_at=now)
            else:
                clock = VoiceTurnClock(eos_at=now)              # hands-free: end of speech = the STT's turn end
            clock.stt_final_at = now
            text = event.transcript.strip()
            await self.session.send({"type": "transcript", "text": text, "final": True})
            if not text:
                await self.session.state("idle")
                return
            await self.session.ask(text, clock)
        elif event.kind == "error" and tag == "free":
            log.warning("guide hands-free stt lost")
            stream, self.free_stream = self.free_stream, None
            if stream is not None:
                await stream.close()

    # ---- output ----
    async def speak(self, turn: int, lines: list[str], clock: VoiceTurnClock | None, *,
                    wait_playout: bool = False) -> None:
        """Say each line (a `say` each) and stream its audio: audio_start, binary frames, audio_end."""
        session = self.session
        queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        tts_turn = self.tts.turn(lambda _i, audio: queue.put_nowait(audio), lambda _i: None)
        self.tts_turn = tts_turn
        self.speaking = True
        started = False
        sent = 0
        first_sent_at: float | None = None
        odd = b""

        async def finish() -> None:
            await tts_turn.wait()
            queue.put_nowait(None)

        closer: asyncio.Task[None] | None = None
        completed = False
        try:
            for line in lines:
                await session.send({"type": "say", "turn": turn, "text": line})
                await tts_turn.push(line)
            await tts_turn.finish()
            closer = asyncio.create_task(finish(), name="guide-tts-wait")
            while (chunk := await queue.get()) is not None:
                data = odd + chunk
                cut = len(data) - len(data) % 2
                data, odd = data[:cut], data[cut:]
                if not data:
                    continue
                if not started:
                    started = True
                    await session.send({"type": "audio_start", "turn": turn, "sample_rate": 24_000})
                await session.send_audio(data)
                sent += len(data)
                if first_sent_at is None:
                    first_sent_at = time.monotonic()
                    if clock is not None:
                        clock.tts_first_push_at = tts_turn.first_push_at
                        clock.tts_first_byte_at = tts_turn.first_byte_at
                        clock.first_audio_sent_at = first_sent_at
                        figures = metrics_message(turn, clock)
                        await session.send(figures)
                        session.remember_figures(figures)
                        record_histograms(figures)
            if started:
                await session.send({"type": "audio_end", "turn": turn})
            if wait_playout and first_sent_at is not None:
                left = sent / BYTES_PER_S - (time.monotonic() - first_sent_at)
                if left > 0:
                    await asyncio.sleep(left)
            completed = True
        finally:
            self.speaking = False
            if closer is not None and not closer.done():
                closer.cancel()
                await asyncio.gather(closer, return_exceptions=True)
            if self.tts_turn is tts_turn:
                self.tts_turn = None
            if completed:
                await tts_turn.aclose()
            else:                                  # cut off (barge-in, a new question, the tour paused)
                await tts_turn.cancel()

    async def cancel_output(self) -> None:
        """Barge-in: stop Cartesia and drop what still arrives (the browser already stopped playback)."""
        tts_turn, self.tts_turn = self.tts_turn, None
        self.speaking = False
        if tts_turn is not None:
            await tts_turn.cancel()

    async def aclose(self) -> None:
        await self.cancel_output()
        if self._consumer is not None:
            self._consumer.cancel()
            await asyncio.gather(self._consumer, return_exceptions=True)
        await self._close_ptt()
        if self.free_start is not None:
            self.free_start.cancel()
            await asyncio.gather(self.free_start, return_exceptions=True)
        if self.free_stream is not None:
            await self.free_stream.close()
        with contextlib.suppress(Exception):
            await self.tts.close()


_histograms: dict[str, Any] = {}
_client_histogram: list[Any] = []


def record_histograms(message: dict[str, Any]) -> None:
    """The turn's figures as OpenTelemetry histograms `archer.guide.*` (a no-op until an exporter is configured)."""
    if not _histograms:
        from opentelemetry import metrics

        meter = metrics.get_meter("archer.guide")
        for name in ("eos_to_first_audio_ms", "stt_final_ms", "brain_ms", "tts_first_byte_ms", "overhead_ms"):
            _histograms[name] = meter.create_histogram(f"archer.guide.{name.removesuffix('_ms')}", unit="ms")
    for name, histogram in _histograms.items():
        if message.get(name) is not None:
            histogram.record(message[name])


def record_client_histogram(value_ms: float) -> None:
    """The browser's end of speech → first played sample (`client_metrics`), beside the server's histograms."""
    if not _client_histogram:
        from opentelemetry import metrics

        meter = metrics.get_meter("archer.guide")
        _client_histogram.append(meter.create_histogram("archer.guide.client_eos_to_first_audio", unit="ms"))
    _client_histogram[0].record(value_ms)


def metrics_message(turn: int, clock: VoiceTurnClock) -> dict[str, Any]:
    def ms(a: float | None, b: float | None) -> float | None:
        return None if a is None or b is None else round((b - a) * 1000, 1)

    total = ms(clock.eos_at, clock.first_audio_sent_at)
    stt = ms(clock.eos_at, clock.stt_final_at)
    tts = ms(clock.tts_first_push_at, clock.tts_first_byte_at)
    overhead = None
    if total is not None:
        overhead = round(total - (stt or 0.0) - (tts or 0.0) - (clock.brain_ms if clock.brain == "llm" else 0.0), 1)
    return {"type": "metrics", "turn": turn, "eos_to_first_audio_ms": total, "stt_final_ms": stt,
            "brain_ms": clock.brain_ms, "tts_first_byte_ms": tts, "overhead_ms": overhead}
