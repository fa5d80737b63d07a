"""Masking: nothing that identifies a customer reaches a log line."""
import json
import logging

from shared.pii import mask_account, mask_mapping, mask_phone, mask_text
from shared.telemetry.logging import JsonFormatter


def test_phone_keeps_only_country_code_and_last_four() -> None:
    assert mask_phone("+12125550123") == "+1******0123"
    assert "555" not in mask_phone("+12125550123")


def test_account_and_free_text_are_masked() -> None:
    assert mask_account("4821") == "**21"
    assert "212" not in mask_text("please call (212) 555-0123 today")
    masked = mask_mapping({"account_last_4": "4821", "postal_code": "10001", "to": "+12125550123", "months": 6})
    assert masked == {"account_last_4": "**21", "postal_code": "***01", "to": "+1******0123", "months": 6}


def test_json_log_lines_are_masked() -> None:
    record = logging.makeLogRecord({"msg": "dialing +12125550123", "levelname": "INFO", "name": "t",
                                    "call_id": "c1", "to": "+13105550102"})
    line = json.loads(JsonFormatter().format(record))
    assert line["msg"] == "dialing +1******0123"
    assert line["to"] == "+1******0102"
    assert line["call_id"] == "c1"
