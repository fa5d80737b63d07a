"""Speech I/O for the voice path: μ-law framing, pacing, voice activity, Cartesia STT and TTS streams.

Pure asyncio; no web framework imports.
"""
