"""The LLM brain's client choice: OpenAI (or a compatible OPENAI_BASE_URL) or Azure OpenAI, SDK retries off."""
from __future__ import annotations

import openai

from shared.agent.brains.llm import make_client
from shared.settings import load_settings


def test_openai_compatible_base_url() -> None:
    client, model = make_client(load_settings(openai_api_key="sk-test-fake", openai_base_url="http://127.0.0.1:9/v1",
                                              openai_model="gpt-4o-mini"))
    assert not isinstance(client, openai.AsyncAzureOpenAI)
    assert str(client.base_url).startswith("http://127.0.0.1:9/v1") and model == "gpt-4o-mini"
    assert client.max_retries == 0


def test_azure_openai_uses_the_deployment() -> None:
    client, model = make_client(load_settings(openai_api_key="test-key", azure_openai_endpoint="https://x.example.com",
                                              azure_openai_deployment="archer-chat"))
    assert isinstance(client, openai.AsyncAzureOpenAI)
    assert model == "archer-chat"
