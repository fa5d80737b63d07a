"""Settings: typed, validated, one clear line for a bad value."""
import os
import subprocess
import sys

import pytest

from shared.settings import SettingsError, load_settings
from tests.support.servers import repo_root


@pytest.mark.parametrize(("env", "name"), [
    ({"DATABASE_URL": "nonsense"}, "DATABASE_URL"),
    ({"REDIS_URL": "http://x"}, "REDIS_URL"),
    ({"VOICE_WS_URL": "https://voice.example"}, "VOICE_WS_URL"),
    ({"PUBLIC_BASE_URL": "ftp://x"}, "PUBLIC_BASE_URL"),
    ({"TWILIO_FROM_NUMBER": "12"}, "TWILIO_FROM_NUMBER"),
    ({"TWILIO_ACCOUNT_SID": "XX123"}, "TWILIO_ACCOUNT_SID"),
    ({"AGENT_BRAIN": "magic"}, "AGENT_BRAIN"),
    ({"AUTH_MODE": "dev", "ARCHER_ENV": "production"}, "AUTH_MODE"),
])
def test_bad_setting_names_the_setting_in_one_line(monkeypatch: pytest.MonkeyPatch, env: dict[str, str],
                                                   name: str) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError) as info:
        load_settings()
    message = str(info.value)
    assert "\n" not in message
    assert name in message or (name == "AUTH_MODE" and "AUTH_MODE=dev" in message)


def test_brain_defaults_to_rules_without_a_key_and_llm_with_one(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT", "AGENT_BRAIN", "KEY_VAULT_URL"):
        monkeypatch.delenv(key, raising=False)
    assert load_settings().brain == "rules"
    monkeypatch.setenv("OPENAI_API_KEY", "test-key-not-real")
    assert load_settings().brain == "llm"
    monkeypatch.setenv("AGENT_BRAIN", "rules")
    assert load_settings().brain == "rules"


def test_cartesia_ws_url_is_derived_from_the_base_url() -> None:
    assert load_settings(cartesia_base_url="http://127.0.0.1:9999").cartesia_ws_url == "ws://127.0.0.1:9999"
    assert load_settings(cartesia_base_url="https://api.cartesia.ai").cartesia_ws_url == "wss://api.cartesia.ai"


def test_phone_settings_are_normalized_to_e164() -> None:
    assert load_settings(human_transfer_number="+1 (212) 555-0199").human_transfer_number == "+12125550199"


def test_devhost_with_bad_database_url_prints_one_line_and_exits() -> None:
    env = {**os.environ, "DATABASE_URL": "nonsense"}
    proc = subprocess.run([sys.executable, "-m", "devhost"], cwd=repo_root(), env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines == ["archer: invalid setting DATABASE_URL: DATABASE_URL must be a postgresql/postgres URL, "
                     "got 'nonsense'"]
    assert "Traceback" not in proc.stdout + proc.stderr


def test_local_settings_example_lists_every_setting_and_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from shared.settings import Settings

    values = json.loads((repo_root() / "local.settings.example.json").read_text())["Values"]
    contract = {"DATABASE_URL", "REDIS_URL", "PUBLIC_BASE_URL", "VOICE_WS_URL", "TWILIO_ACCOUNT_SID",
                "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER", "TWILIO_API_BASE", "HUMAN_TRANSFER_NUMBER",
                "CARTESIA_API_KEY", "CARTESIA_BASE_URL", "CARTESIA_TTS_MODEL", "CARTESIA_STT_MODEL",
                "CARTESIA_VOICE_ID", "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL", "AZURE_OPENAI_ENDPOINT",
                "AZURE_OPENAI_DEPLOYMENT", "AZURE_OPENAI_API_VERSION", "AGENT_BRAIN", "AUTH_ISSUER", "AUTH_AUDIENCE",
                "AUTH_JWKS_URL", "AUTH_MODE", "KEY_VAULT_URL", "APPLICATIONINSIGHTS_CONNECTION_STRING", "BANK_NAME",
                "CALLBACK_NUMBER"}
    assert contract <= set(values)
    assert {name.upper() for name in Settings.model_fields} <= set(values)
    for key in Settings.model_fields:
        monkeypatch.delenv(key.upper(), raising=False)
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    settings = load_settings()
    assert settings.agent_brain is None and settings.brain == "rules"
    readme = (repo_root() / "README.md").read_text()
    missing = [name for name in values if name.isupper() and f"`{name}`" not in readme]
    assert not missing, f"README configuration table lacks {missing}"


PRODUCTION_VALUES = {
    "DATABASE_URL": "postgresql://archer@db.northwind-bank.com/archer", "PUBLIC_BASE_URL": "https://api.northwind-bank.com",
    "VOICE_WS_URL": "wss://voice.northwind-bank.com", "AUTH_ISSUER": "https://login.microsoftonline.com/t/v2.0",
    "AUTH_AUDIENCE": "api://archer", "AUTH_JWKS_URL": "https://login.microsoftonline.com/t/discovery/v2.0/keys",
    "PAYMENT_PORTAL_URL_TEMPLATE": "https://pay.northwind-bank.com/a/{arrangement_id}",
}


def test_production_names_every_missing_setting_and_refuses_placeholder_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in (*PRODUCTION_VALUES, "KEY_VAULT_URL", "AUTH_MODE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("ARCHER_ENV", "production")
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert str(info.value) == ("invalid settings: production needs DATABASE_URL, PUBLIC_BASE_URL, VOICE_WS_URL, "
                               "AUTH_ISSUER, AUTH_AUDIENCE, AUTH_JWKS_URL (see infra/DEPLOY.md)")
    for key, value in PRODUCTION_VALUES.items():
        monkeypatch.setenv(key, value)
    assert load_settings().is_production
    for placeholder in ("https://pay.example.com/a/{arrangement_id}", "https://pay.bank.test/{amount}"):
        monkeypatch.setenv("PAYMENT_PORTAL_URL_TEMPLATE", placeholder)
        with pytest.raises(SettingsError, match="placeholder host"):
            load_settings()


def test_auth_mode_defaults_to_dev_only_on_a_local_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("AUTH_MODE", "AUTH_ISSUER", "AUTH_JWKS_URL", "KEY_VAULT_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("ARCHER_ENV", "local")
    assert load_settings().auth_mode == "dev"  # `make dev`: the dev sign-in works with no settings
    monkeypatch.setenv("AUTH_JWKS_URL", "https://login.example/keys")
    assert load_settings().auth_mode == "jwt"  # an identity provider is configured: use it
    monkeypatch.delenv("AUTH_JWKS_URL")
    for key, value in PRODUCTION_VALUES.items():      # production refuses to start without them (infra/DEPLOY.md)
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("ARCHER_ENV", "production")
    assert load_settings().auth_mode == "jwt"
    monkeypatch.setenv("ARCHER_ENV", "test")
    assert load_settings().auth_mode == "jwt"
    monkeypatch.setenv("ARCHER_ENV", "local")
    monkeypatch.setenv("KEY_VAULT_URL", "https://vault.example")
    assert load_settings().auth_mode == "jwt"  # deployed (Azure settings present) even if ARCHER_ENV says local
    monkeypatch.setenv("AUTH_MODE", "dev")
    with pytest.raises(SettingsError):
        load_settings()
