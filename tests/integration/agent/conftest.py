"""The scenario fixtures (OpenAI fake, settings for both brains, a freshly seeded database) for engine tests."""
from tests.scenarios.conftest import fresh_db, llm_settings, openai_fake, rules_settings, twilio_fake

__all__ = ["fresh_db", "llm_settings", "openai_fake", "rules_settings", "twilio_fake"]
