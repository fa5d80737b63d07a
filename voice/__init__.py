"""Archer's voice service: Twilio Media Streams ⇄ Cartesia STT/TTS ⇄ the conversation engine, plus /sim and /live."""
