"""The scenario fixtures (OpenAI fake, settings for both brains, a freshly seeded database) for engine tests, and a
check that every request the engine sent the OpenAI fake is one the real endpoint would accept."""
from collections.abc import Iterator

import pytest

from tests.fakes.openai_fake import OpenAIFake
from tests.scenarios.conftest import (
    _empty_tables_after_module,
    fresh_db,
    llm_settings,
    openai_fake,
    rules_settings,
    twilio_fake,
)

__all__ = ["_empty_tables_after_module", "fresh_db", "llm_settings", "openai_fake", "rules_settings", "twilio_fake"]


@pytest.fixture(autouse=True)
def _every_llm_request_is_one_the_real_api_accepts(openai_fake: OpenAIFake) -> Iterator[None]:
    """The fake answers an invalid request with 400 as the real endpoint would; here it also fails the test."""
    before = len(openai_fake.violations)
    yield
    assert openai_fake.violations[before:] == [], openai_fake.violations[before:]
