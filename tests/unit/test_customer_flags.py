"""Customer flags from a customer row, its DNC entry and its newest events: each with a date and a source; the
sensitive-handling and language columns are read whatever later migrations call them."""
from datetime import UTC, datetime
from uuid import uuid4

from shared.admin.customer_flags import _Event, flags_of

AT = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def test_dnc_and_cease_carry_date_and_source() -> None:
    call_id = uuid4()
    flags = flags_of({"cease_requested_at": AT.isoformat()},
                     {"source": "sms_stop", "reason": "", "created_at": AT},
                     {"stop_calling": _Event("stop_calling", "intent", call_id, AT, {})})
    assert [(f.code, f.blocking) for f in flags] == [("dnc", True), ("cease", True)]
    assert flags[0].source == "do-not-call list (SMS STOP)" and flags[0].since == AT
    assert flags[1].source == "said on a call" and flags[1].call_id == call_id and flags[1].since == AT


def test_a_resolved_dispute_is_not_a_flag_and_an_unsourced_one_comes_from_the_record() -> None:
    assert flags_of({"disputed_at": AT, "dispute_resolved_at": AT}, None, {}) == []
    [flag] = flags_of({"bankruptcy_at": AT}, None, {})
    assert (flag.code, flag.source) == ("bankruptcy", "account record")


def test_sensitive_handling_and_language_from_columns_or_events() -> None:
    flags = flags_of({"sensitive_handling_at": AT, "preferred_language": "es", "preferred_language_at": AT}, None, {})
    assert [(f.code, f.blocking, f.detail) for f in flags] == [
        ("sensitive_handling", True, "hold collection until a person reviews"), ("language", False, "es")]
    from_events = flags_of({}, None, {"distress": _Event("distress", "intent", None, AT, {}),
                                      "language": _Event("language", "intent", None, AT, {"language": "es"})})
    assert [f.code for f in from_events] == ["sensitive_handling", "language"]
    assert flags_of({"preferred_language": "en"}, None, {}) == []  # English is not a flag


def test_a_cleared_sensitive_hold_is_not_a_flag_even_after_distress_on_a_call() -> None:
    distress = {"distress": _Event("distress", "intent", uuid4(), AT, {})}
    assert flags_of({"sensitive_hold_at": None}, None, distress) == []
    [flag] = flags_of({"sensitive_hold_at": AT, "sensitive_hold_reason": "distress on a call"}, None, distress)
    assert (flag.code, flag.detail, flag.source) == ("sensitive_handling", "distress on a call", "said on a call")
