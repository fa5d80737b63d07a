"""Archer's configuration: every environment variable of ARCHITECTURE §4, typed and validated once.

Secrets may be resolved lazily from Key Vault when KEY_VAULT_URL is set; nothing touches the network otherwise.
"""
from __future__ import annotations

import functools
import threading
from typing import Literal
from urllib.parse import urlsplit

import phonenumbers
from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Secret settings and the Key Vault secret name each one is read from when not set directly.
KEY_VAULT_SECRET_NAMES: dict[str, str] = {
    "twilio_auth_token": "twilio-auth-token",
    "cartesia_api_key": "cartesia-api-key",
    "openai_api_key": "openai-api-key",
    "workflow_function_key": "workflow-function-key",
}


# Settings production refuses to start without (one line names every missing one).
PRODUCTION_REQUIRED = ("database_url", "public_base_url", "voice_ws_url", "auth_issuer", "auth_audience",
                       "auth_jwks_url", "payment_portal_url_template")
_PLACEHOLDER_DOMAINS = ("example.com", "example.net", "example.org")
_PLACEHOLDER_TLDS = ("test", "example", "invalid", "localhost")


def _placeholder_host(host: str) -> bool:
    """RFC 2606 names (pay.example.com, *.test, ...): fine for local demos, never for real customers."""
    host = host.lower().rstrip(".")
    return (any(host == d or host.endswith("." + d) for d in _PLACEHOLDER_DOMAINS)
            or host.rsplit(".", 1)[-1] in _PLACEHOLDER_TLDS)


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line naming the setting."""


def _check_url(value: str | None, name: str, schemes: tuple[str, ...]) -> str | None:
    if value is None or value == "":
        return None
    parts = urlsplit(value)
    if parts.scheme not in schemes or not (parts.netloc or parts.query):
        raise ValueError(f"{name} must be a {'/'.join(schemes)} URL, got {value[:40]!r}")
    return value.rstrip("/") if parts.scheme.startswith(("http", "ws")) else value


def _check_e164(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not an E.164 phone number ({exc})") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError("not a valid E.164 phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


class Settings(BaseSettings):
    """Typed view of the environment. Field names map to the upper-case variables of ARCHITECTURE §4."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", populate_by_name=True)

    archer_env: Literal["local", "test", "production"] = "local"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    database_url: str | None = None
    redis_url: str | None = None
    public_base_url: str | None = None
    voice_ws_url: str | None = None

    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_from_number: str | None = None
    twilio_api_base: str | None = None
    human_transfer_number: str | None = None

    cartesia_api_key: SecretStr | None = None
    cartesia_base_url: str = "https://api.cartesia.ai"
    cartesia_tts_model: str = "sonic-2"
    cartesia_stt_model: str = "ink-2"
    cartesia_voice_id: str | None = None
    # Per-language voices and STT languages (a Spanish-speaking caller is answered in Spanish, COMPLIANCE §2a).
    cartesia_voice_id_es: str | None = None
    cartesia_stt_language: str = "en"
    cartesia_stt_language_es: str = "es"

    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    azure_openai_endpoint: str | None = None
    azure_openai_deployment: str | None = None
    azure_openai_api_version: str = "2024-10-21"
    agent_brain: Literal["llm", "rules"] | None = None

    # Unset: `dev` on a local machine without identity-provider settings (what `make dev` runs), else `jwt`.
    auth_mode: Literal["dev", "jwt"] = "jwt"
    auth_issuer: str | None = None
    auth_audience: str | None = None
    auth_jwks_url: str | None = None
    api_rate_limit_per_minute: int = Field(default=600, ge=1, le=1_000_000)
    # Failed requests one source address may make per minute (401s on the admin API, 403s on the Twilio webhooks).
    source_failure_limit_per_minute: int = Field(default=30, ge=1, le=1_000_000)

    key_vault_url: str | None = None
    # The Function app key the voice service presents to the callback-start endpoint (Key Vault in Azure).
    workflow_function_key: SecretStr | None = None
    applicationinsights_connection_string: SecretStr | None = None

    bank_name: str = "Northwind Bank"
    agent_name: str = Field(default="Alex", min_length=1, max_length=40)
    payment_portal_url_template: str = "https://pay.example.com/arrangements/{arrangement_id}?amount={amount}"
    llm_timeout_s: float = Field(default=4.0, gt=0, le=60)
    callback_number: str = "+18005550100"
    db_pool_max_size: int = Field(default=10, ge=1, le=200)
    # Call records, compliance events and attempts are kept at least 3 years (Reg F 1006.100).
    retention_days: int = Field(default=1095, ge=1095, le=36500)

    @model_validator(mode="before")
    @classmethod
    def _blank_means_unset(cls, data: object) -> object:
        # local.settings.json and app settings carry "" for settings that are not configured.
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v != ""}
        return data

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, v: str | None) -> str | None:
        return _check_url(v, "DATABASE_URL", ("postgresql", "postgres"))

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, v: str | None) -> str | None:
        return _check_url(v, "REDIS_URL", ("redis", "rediss", "unix"))

    @field_validator("public_base_url", "twilio_api_base", "openai_base_url", "azure_openai_endpoint",
                     "auth_jwks_url", "key_vault_url", "cartesia_base_url")
    @classmethod
    def _http_url(cls, v: str | None, info: ValidationInfo) -> str | None:
        return _check_url(v, str(info.field_name).upper(), ("http", "https"))

    @field_validator("auth_issuer")
    @classmethod
    def _issuer(cls, v: str | None) -> str | None:
        # Compared exactly with the token's `iss`: Entra v1 issuers end with '/', so the value is kept as given.
        _check_url(v, "AUTH_ISSUER", ("http", "https"))
        return v or None

    @field_validator("payment_portal_url_template")
    @classmethod
    def _portal_template(cls, v: str) -> str:
        _check_url(v.replace("{", "").replace("}", ""), "PAYMENT_PORTAL_URL_TEMPLATE", ("http", "https"))
        try:
            v.format(arrangement_id="a", amount="1.00", reference="R")
        except (KeyError, IndexError, ValueError):
            raise ValueError("PAYMENT_PORTAL_URL_TEMPLATE may only use {arrangement_id}, {amount}, {reference}") from None
        return v

    @field_validator("voice_ws_url")
    @classmethod
    def _ws_url(cls, v: str | None) -> str | None:
        return _check_url(v, "VOICE_WS_URL", ("ws", "wss"))

    @field_validator("twilio_from_number", "human_transfer_number", "callback_number")
    @classmethod
    def _phone(cls, v: str | None) -> str | None:
        return _check_e164(v)

    @field_validator("twilio_account_sid")
    @classmethod
    def _account_sid(cls, v: str | None) -> str | None:
        if v and not (v.startswith("AC") and len(v) == 34):
            raise ValueError("TWILIO_ACCOUNT_SID must look like AC followed by 32 hex characters")
        return v or None

    @model_validator(mode="after")
    def _production_is_complete(self) -> Settings:
        if "auth_mode" not in self.model_fields_set:
            local = self.archer_env == "local" and not self.is_production
            self.auth_mode = "dev" if local and not (self.auth_issuer or self.auth_jwks_url) else "jwt"
        if self.auth_mode == "dev" and self.is_production:
            raise ValueError("AUTH_MODE=dev is refused when ARCHER_ENV=production or Azure settings are present")
        if self.is_production:
            missing = [name.upper() for name in PRODUCTION_REQUIRED if not getattr(self, name)]
            if missing:
                raise ValueError(f"production needs {', '.join(missing)} (see infra/DEPLOY.md)")
            host = urlsplit(self.payment_portal_url_template.replace("{", "").replace("}", "")).hostname or ""
            if _placeholder_host(host):
                raise ValueError(f"PAYMENT_PORTAL_URL_TEMPLATE points at the placeholder host {host!r} in production")
        return self

    @property
    def is_production(self) -> bool:
        """True in Azure: explicitly, or when Azure-only settings say we are deployed."""
        return self.archer_env == "production" or bool(self.key_vault_url)

    @property
    def brain(self) -> Literal["llm", "rules"]:
        """The conversation brain: explicit AGENT_BRAIN, else `llm` when an LLM is configured."""
        if self.agent_brain:
            return self.agent_brain
        has_llm = self.secret("openai_api_key") is not None or bool(self.azure_openai_endpoint)
        return "llm" if has_llm else "rules"

    def voice_for(self, language: str) -> str | None:
        """The Cartesia voice for speech in `language` (ISO 639-1); the default voice when none is configured."""
        return (self.cartesia_voice_id_es if language == "es" else None) or self.cartesia_voice_id

    def stt_language_for(self, language: str) -> str:
        """The STT language code for a caller speaking `language`."""
        return self.cartesia_stt_language_es if language == "es" else self.cartesia_stt_language

    @property
    def cartesia_ws_url(self) -> str:
        """Websocket base derived from CARTESIA_BASE_URL (https→wss, http→ws)."""
        parts = urlsplit(self.cartesia_base_url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        return f"{scheme}://{parts.netloc}{parts.path}".rstrip("/")

    def secret(self, name: str) -> str | None:
        """A secret's value: from the environment, else (when KEY_VAULT_URL is set) from Key Vault, cached."""
        value = getattr(self, name)
        if isinstance(value, SecretStr):
            return value.get_secret_value()
        if value is not None:
            return str(value)
        if self.key_vault_url and name in KEY_VAULT_SECRET_NAMES:
            return _key_vault_secret(self.key_vault_url, KEY_VAULT_SECRET_NAMES[name])
        return None


_kv_lock = threading.Lock()


@functools.cache
def _key_vault_secret(vault_url: str, secret_name: str) -> str | None:
    """Read one secret with the managed identity; imported lazily to keep cold start lean."""
    with _kv_lock:
        from azure.core.exceptions import ResourceNotFoundError
        from azure.identity import DefaultAzureCredential
        from azure.keyvault.secrets import SecretClient

        client = SecretClient(vault_url=vault_url, credential=DefaultAzureCredential())
        try:
            return client.get_secret(secret_name).value
        except ResourceNotFoundError:
            return None


def refresh_secrets() -> None:
    """Forget the Key Vault secrets read so far: the next `Settings.secret()` reads the current version."""
    _key_vault_secret.cache_clear()


def _first_error_line(exc: ValidationError) -> str:
    err = exc.errors()[0]
    msg = str(err["msg"]).removeprefix("Value error, ")
    if not err["loc"]:
        return f"invalid settings: {msg}"
    return f"invalid setting {str(err['loc'][0]).upper()}: {msg}"


def load_settings(**overrides: object) -> Settings:
    """Read and validate the environment; raise SettingsError with one line naming the bad setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(_first_error_line(exc)) from None


@functools.cache
def get_settings() -> Settings:
    """The process-wide settings, validated on first use."""
    return load_settings()
