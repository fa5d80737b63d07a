"""The Archer guide by voice in Chromium: a question spoken by espeak-ng is fed into the page's microphone
(Chromium's fake capture device), goes through the AudioWorklet and the 16 kHz resampler to WS /guide, is "heard"
by the Cartesia STT fake, and Archer's answer comes back as Cartesia-fake TTS audio played in the page — with the
right page shown and the turn's end-of-speech → first-audio latency recorded. The dev host runs with a Cartesia
key and CARTESIA_BASE_URL pointing at the fakes (a `make dev` variant with voice)."""
from __future__ import annotations

import json
import re
import subprocess
import tempfile
import wave
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright, expect

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, run_devhost, screenshot, sign_in
from tests.fakes.cartesia import CartesiaFake
from tests.fakes.cartesia_stt import SttFakeConfig
from tests.fakes.cartesia_tts import TtsFakeConfig

pytestmark = pytest.mark.e2e

QUESTION = "show me the calls page"
SECOND = "go to the tactics page"   # the STT fake "recognises" its scripted transcripts in turn order


@pytest.fixture(scope="module")
def question_wav() -> Iterator[Path]:
    """The question spoken by espeak-ng (16-bit mono WAV), then 30 s of silence: Chromium loops the file, and the
    silence keeps the question from being asked again while Archer answers."""
    spoken = subprocess.run(["espeak-ng", "-s", "160", "--stdout", QUESTION], check=True, capture_output=True).stdout
    with tempfile.TemporaryDirectory(prefix="archer-guide-voice-") as tmp:
        raw = Path(tmp) / "spoken.wav"
        raw.write_bytes(spoken)
        with wave.open(str(raw)) as w:
            rate, width, frames = w.getframerate(), w.getsampwidth(), w.readframes(w.getnframes())
        assert width == 2
        path = Path(tmp) / "question.wav"
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(rate)
            out.writeframes(bytes(2 * rate // 2) + frames + bytes(2 * rate * 30))
        yield path


@pytest.fixture
async def cartesia() -> AsyncIterator[CartesiaFake]:
    # Hands-free: 2.5 s of quiet ends the turn; push-to-talk: the release does (before that much quiet).
    fake = CartesiaFake(SttFakeConfig(start_latency_ms=20, end_latency_ms=60, pcm_transcripts=[QUESTION, SECOND],
                                      pcm_end_silence_ms=2500),
                        TtsFakeConfig(first_byte_ms=40))
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def voice_devhost(database_url: str, cartesia: CartesiaFake) -> Iterator[str]:
    """`python -m devhost` as `make dev` runs it, plus a Cartesia key and CARTESIA_BASE_URL → the fakes."""
    with run_devhost(database_url, log_prefix="archer-devhost-voice-", CARTESIA_API_KEY="test-cartesia-key",
                     CARTESIA_BASE_URL=cartesia.http_url) as base:
        yield base


@pytest.fixture
async def mic_browser(question_wav: Path) -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path=CHROMIUM, args=[
            *CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={question_wav}", "--autoplay-policy=no-user-gesture-required"])
        yield b
        await b.close()


async def test_spoken_question_is_answered_aloud_on_the_right_page(mic_browser: Browser, voice_devhost: str,
                                                                   cartesia: CartesiaFake) -> None:
    ctx = await mic_browser.new_context(base_url=voice_devhost, viewport={"width": 1440, "height": 900})
    ctx.set_default_timeout(20_000)
    try:
        page = await ctx.new_page()
        sent: list[str] = []                                               # the text frames the page sends
        page.on("websocket", lambda ws: ws.on("framesent", lambda p: sent.append(p) if isinstance(p, str) else None))
        await sign_in(page, "viewer")
        await page.get_by_role("button", name="Talk to Archer").click()
        guide = page.get_by_test_id("guide")
        await expect(guide).to_have_attribute("data-voice", "on")
        log = page.get_by_role("log", name="Conversation with Archer")
        await expect(log.get_by_test_id("guide-say").first).to_contain_text("I'm Archer")     # greeted aloud
        await expect(guide).to_have_attribute("data-state", "idle")
        greeting_samples = int(await guide.get_attribute("data-played-samples") or 0)

        await page.get_by_role("button", name="Hands-free").click()          # the microphone streams from now on
        await expect(page).to_have_url(re.compile(r"/calls$"), timeout=30_000)
        await expect(page.get_by_role("heading", level=1, name="Calls")).to_be_visible()
        await expect(log.get_by_test_id("guide-user").last).to_have_text(re.compile(QUESTION))
        await expect(log.get_by_test_id("guide-say").last).to_have_text(re.compile(r"Here is the Calls page\.$"))
        await expect(guide).not_to_have_attribute("data-metrics", "")
        # The answer's audio played out in the page (samples counted as each buffer finishes playing).
        await expect(guide).not_to_have_attribute("data-played-samples", str(greeting_samples), timeout=20_000)
        await expect(guide).to_have_attribute("data-state", "idle")
        played = int(await guide.get_attribute("data-played-samples") or 0)
        metrics = json.loads(await guide.get_attribute("data-metrics") or "{}")
        await expect(guide).not_to_have_attribute("data-client-metrics", "")
        client = json.loads(await guide.get_attribute("data-client-metrics") or "{}")
        await screenshot(page, "guide-voice-answer")

        # Push-to-talk on the space bar (hands-free off; focus outside any text field): the release ends the turn.
        await page.get_by_role("button", name="Hands-free").click()
        await expect(page.get_by_role("button", name="Hands-free")).to_have_attribute("aria-pressed", "false")
        await page.get_by_role("heading", level=1, name="Calls").click()
        await page.keyboard.down("Space")
        await expect(page.get_by_role("button", name="Hold to talk")).to_have_attribute("aria-pressed", "true")
        await page.wait_for_timeout(2_500)                                  # hold while the clip plays
        await page.keyboard.up("Space")
        await expect(page).to_have_url(re.compile(r"/tactics$"), timeout=20_000)
        await expect(log.get_by_test_id("guide-say").last).to_have_text(re.compile(r"Tactics page\.$"))
        await expect(guide).not_to_have_attribute("data-metrics", json.dumps(metrics, separators=(",", ":")))
        ptt = json.loads(await guide.get_attribute("data-metrics") or "{}")

        # Barge-in: Archer narrates the tour aloud; holding the space bar stops the audio at once and pauses it.
        await page.get_by_label("Ask Archer").fill("take the quick tour")
        await page.keyboard.press("Enter")
        await expect(guide).to_have_attribute("data-state", "speaking", timeout=20_000)
        await expect(guide).to_have_attribute("data-tour", "running")
        before = int(await guide.get_attribute("data-played-samples") or 0)
        await expect(guide).not_to_have_attribute("data-played-samples", str(before))   # the narration is playing
        await page.evaluate("document.activeElement && document.activeElement.blur()")
        downs = sum(1 for f in sent if json.loads(f) == {"type": "ptt", "state": "down"})
        await page.keyboard.down("Space")
        await expect(guide).to_have_attribute("data-tour", "paused")
        await expect(guide).not_to_have_attribute("data-state", "speaking")
        stopped_at = await guide.get_attribute("data-played-samples")
        await page.wait_for_timeout(1_000)
        assert await guide.get_attribute("data-played-samples") == stopped_at   # nothing more was played
        await page.keyboard.up("Space")
        assert sum(1 for f in sent if json.loads(f) == {"type": "ptt", "state": "down"}) == downs + 1

        # Barge-in by voice: while Archer gives a long answer, hands-free opens the microphone (Chromium restarts the
        # clip); the page's energy VAD hears the question start, stops playback and sends `interrupt`.
        await page.get_by_role("button", name="Stop tour").click()
        await page.get_by_role("button", name="Ask Archer").click()
        hands_free = page.get_by_role("button", name="Hands-free")
        await hands_free.click()                                            # on, then off: the microphone closes
        await hands_free.click()
        await expect(hands_free).to_have_attribute("aria-pressed", "false")
        await page.get_by_label("Ask Archer").fill("what can you do")
        await page.keyboard.press("Enter")
        await expect(guide).to_have_attribute("data-state", "speaking", timeout=20_000)
        interrupts = sum(1 for f in sent if json.loads(f) == {"type": "interrupt"})
        await hands_free.click()
        for _ in range(100):                                                # wait up to 10 s for the barge-in
            if sum(1 for f in sent if json.loads(f) == {"type": "interrupt"}) > interrupts:
                break
            await page.wait_for_timeout(100)
        assert sum(1 for f in sent if json.loads(f) == {"type": "interrupt"}) == interrupts + 1
        await expect(guide).not_to_have_attribute("data-state", "speaking")
        stopped_at = await guide.get_attribute("data-played-samples")
        await page.wait_for_timeout(1_000)
        assert await guide.get_attribute("data-played-samples") == stopped_at
    finally:
        await ctx.close()
    assert cartesia.stt.stats.transcripts == [QUESTION, SECOND]
    assert cartesia.stt.stats.audio_bytes > 16_000 * 2                   # more than a second of 16 kHz PCM
    assert played - greeting_samples > 24_000 // 2                         # over half a second of the answer
    assert isinstance(metrics.get("eos_to_first_audio_ms"), float | int) and metrics["eos_to_first_audio_ms"] > 0
    print(f"guide voice turn in Chromium: end of speech → first audio {metrics['eos_to_first_audio_ms']:.1f} ms "
          f"(stt final {metrics.get('stt_final_ms')} ms, brain {metrics.get('brain_ms')} ms, tts first byte "
          f"{metrics.get('tts_first_byte_ms')} ms, overhead {metrics.get('overhead_ms')} ms); "
          f"{played} samples played at 24 kHz")
    # Measured where the user is (hands-free): the page's VAD's last voiced frame → the answer's first played sample,
    # so it includes the STT's endpointing (the fake ends the turn after 2.5 s of quiet), and it reaches the server.
    fixed_ms = 60 + 40                                                   # the fakes' STT end + TTS first byte
    assert client["turn"] == metrics["turn"] and fixed_ms < client["eos_to_first_audio_ms"] < 5000, client
    assert client["eos_to_first_audio_ms"] > metrics["eos_to_first_audio_ms"]   # the server's starts at the turn end
    assert {"type": "client_metrics", **client} in [json.loads(f) for f in sent]
    print(f"guide voice turn, measured in the page: end of speech (VAD) → first played sample "
          f"{client['eos_to_first_audio_ms']:.1f} ms (server, from the STT's turn end: "
          f"{metrics['eos_to_first_audio_ms']:.1f} ms)")
    assert ptt["turn"] > metrics["turn"] and ptt["eos_to_first_audio_ms"] > 0
    assert ptt["stt_final_ms"] > 0                                        # the release finalized the STT turn
    print(f"push-to-talk turn: end of speech (space released) → first audio {ptt['eos_to_first_audio_ms']:.1f} ms "
          f"(stt final {ptt.get('stt_final_ms')} ms, brain {ptt.get('brain_ms')} ms, tts first byte "
          f"{ptt.get('tts_first_byte_ms')} ms, overhead {ptt.get('overhead_ms')} ms)")
