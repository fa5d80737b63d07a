"""Masking of personal data for anything that leaves the database: logs, tool-execution records, viewer responses."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_PHONE_RE = re.compile(r"\+?\d[\d\s().-]{8,}\d")
_SENSITIVE_KEYS = {"phone", "to", "from", "from_", "caller", "account_last_4", "postal_code", "number",
                   "phone_number", "to_number", "from_number", "account_number"}


def mask_phone(phone: str | None) -> str:
    """'+12125550123' → '+1******0123' (country code and last four kept)."""
    if not phone:
        return ""
    digits = re.sub(r"\D", "", phone)
    if len(digits) <= 4:
        return "*" * len(digits)
    cc = "1" if phone.startswith("+1") else ""
    hidden = len(digits) - 4 - len(cc)
    return f"+{cc}{'*' * hidden}{digits[-4:]}" if phone.startswith("+") else f"{'*' * (len(digits) - 4)}{digits[-4:]}"


def mask_account(account: str | None) -> str:
    """'1234' → '**34': even the last four of an account are shortened in logs and viewer responses."""
    if not account:
        return ""
    return "*" * max(len(account) - 2, 0) + account[-2:]


def mask_text(text: str) -> str:
    """Mask anything that looks like a phone number inside free text."""
    return _PHONE_RE.sub(lambda m: mask_phone(m.group(0)), text)


def mask_mapping(data: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a dict with sensitive keys masked (recursively) — for tool arguments and log fields."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping):
            out[key] = mask_mapping(value)
        elif key.lower() in _SENSITIVE_KEYS and isinstance(value, str):
            out[key] = mask_account(value) if "account" in key.lower() or "postal" in key.lower() else mask_phone(value)
        elif isinstance(value, str):
            out[key] = mask_text(value)
        else:
            out[key] = value
    return out
