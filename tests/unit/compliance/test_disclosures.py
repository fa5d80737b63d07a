"""Disclosure texts: exact mini-Miranda, identification and callback number, nothing about a debt where a third
party may hear it, per-bank overrides, and a policy file that refuses texts breaking those rules."""
from __future__ import annotations

from pathlib import Path

import pytest

from shared.compliance.disclosures import (
    MINI_MIRANDA,
    DisclosureError,
    DisclosureKind,
    disclosure_config,
    disclosure_text,
    load_disclosure_config,
)
from shared.compliance.guard import GuardContext, OutputGuard

ARGS = {"bank_name": "Northwind Bank", "agent_name": "Archer", "callback_number": "+18005550100"}


def _text(kind: DisclosureKind) -> str:
    return disclosure_text(kind, **ARGS)


def test_mini_miranda_is_the_exact_wording() -> None:
    assert _text(DisclosureKind.MINI_MIRANDA_FIRST) == MINI_MIRANDA
    assert "debt collector" in _text(DisclosureKind.MINI_MIRANDA_SUBSEQUENT)


def test_identification_names_the_business_the_ai_and_the_callback_number() -> None:
    text = _text(DisclosureKind.AI_IDENTIFICATION)
    assert "Northwind Bank" in text and "automated AI agent" in text and "1-800-555-0100" in text
    assert "Archer" in text


def test_recording_notice_says_the_call_is_recorded() -> None:
    assert "recorded" in _text(DisclosureKind.RECORDING_NOTICE)


@pytest.mark.parametrize("kind", [DisclosureKind.AI_IDENTIFICATION, DisclosureKind.RECORDING_NOTICE,
                                  DisclosureKind.THIRD_PARTY_LOCATION, DisclosureKind.VOICEMAIL])
def test_texts_a_third_party_may_hear_say_nothing_about_a_debt(kind: DisclosureKind) -> None:
    assert OutputGuard().check(_text(kind), GuardContext(verified=False)).allowed


def test_third_party_script_names_the_agent_and_location_information_only() -> None:
    text = _text(DisclosureKind.THIRD_PARTY_LOCATION)
    assert "Archer" in text and "location information" in text and "Northwind" not in text


def test_voicemail_is_limited_content() -> None:
    text = _text(DisclosureKind.VOICEMAIL)
    assert "Northwind Bank" in text and "Jordan Lee" in text and "1-800-555-0100" in text and "call" in text.lower()
    assert "account" not in text.lower() and "balance" not in text.lower()


def test_voicemail_refuses_a_business_name_that_suggests_collection() -> None:
    with pytest.raises(DisclosureError):
        disclosure_text(DisclosureKind.VOICEMAIL, bank_name="Acme Debt Recovery", agent_name="Archer",
                        callback_number="+18005550100")


def test_policy_file_carries_version_and_approval() -> None:
    config = disclosure_config()
    assert config.version and config.approved_by and config.effective_date


def _policy(tmp_path: Path, extra: str) -> Path:
    base = Path(__file__).parents[3] / "shared" / "compliance" / "policy" / "disclosures.toml"
    path = tmp_path / "disclosures.toml"
    path.write_text(base.read_text() + "\n" + extra)
    return path


def test_a_bank_override_changes_only_its_own_texts(tmp_path: Path) -> None:
    config = load_disclosure_config(_policy(tmp_path, '[banks."Contoso Bank"]\ncontact_name = "Sam Rivera"\n'))
    contoso = disclosure_text(DisclosureKind.VOICEMAIL, bank_name="Contoso Bank", agent_name="Archer",
                              callback_number="+18005550100", config=config)
    northwind = disclosure_text(DisclosureKind.VOICEMAIL, config=config, **ARGS)
    assert "Sam Rivera" in contoso and "Jordan Lee" in northwind


@pytest.mark.parametrize("override", [
    'mini_miranda_first = "We collect debts."',
    'third_party_location = "Hi, this is {agent_name} about a debt owed by your neighbour."',
    'voicemail = "Call us back at {callback_number} about your overdue balance, ask for {contact_name}."',
    'ai_identification = "Hi, this is {agent_name} from {bank_name}. Call {callback_number}."',
    'voicemail_business_name = "Northwind Collections"',
])
def test_an_override_breaking_the_rules_is_refused(tmp_path: Path, override: str) -> None:
    with pytest.raises(DisclosureError):
        load_disclosure_config(_policy(tmp_path, f'[banks."Contoso Bank"]\n{override}\n'))
