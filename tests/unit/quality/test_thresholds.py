"""The thresholds file is versioned data: the approved one loads; a malformed one is refused with the reason."""
from __future__ import annotations

import tomllib
from datetime import date

import pytest

from shared.quality.reply_kind import classify, sentence_count
from shared.quality.stats import percentile, summarize
from shared.quality.thresholds import DEFAULT_PATH, ThresholdsError, load_thresholds, parse_thresholds


def test_the_approved_file_carries_version_approver_date_and_the_plan_thresholds() -> None:
    t = load_thresholds()
    assert t.version and t.approved_by and isinstance(t.approved_on, date)
    go = {c.id: (c.metric, c.op, c.value) for c in t.go}
    assert go["tts_ttfb_p90"] == ("component.tts_ttfb_ms.p90", "<", 100)
    assert go["simple_median"] == ("kind.simple.p50", "<", 600)
    assert go["recorded_p95"] == ("recorded.voice_to_voice.p95", "<", 500)
    assert {c.id for c in t.no_go} == {"tts_ttfb_p90_ceiling", "simple_ceiling", "ratings_floor", "no_improvement"}
    assert t.baseline.medians_ms["simple"] == 950
    assert (t.sample.min_recorded_calls, t.sample.min_reviewers) == (20, 3)


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["go"][0].update(op="~"), "unknown op"),
    (lambda d: d.pop("version"), "missing 'version'"),
    (lambda d: d["baseline"].pop("simple_median_ms"), "simple_median_ms"),
    (lambda d: d["go"][0].pop("metric"), "criterion needs"),
])
def test_a_malformed_file_is_refused_with_the_reason(change: object, message: str) -> None:
    data = tomllib.loads(DEFAULT_PATH.read_text())
    change(data)  # type: ignore[operator]
    with pytest.raises(ThresholdsError, match=message):
        parse_thresholds(data)


def test_percentiles_interpolate_between_ranks_and_thin_data_has_no_figures() -> None:
    assert percentile([10, 20, 30, 40], 50) == 25
    assert percentile([10, 20, 30, 40], 90) == pytest.approx(37)
    thin = summarize([1.0, 2.0], min_samples=3)
    assert not thin.enough and thin.p50 is None and thin.stat("p50") is None


def test_reply_kinds_follow_what_the_turn_did() -> None:
    assert sentence_count("Okay. Let me check that for you.") == 2
    assert classify(has_speech_end=True, tools=1, agent_text="One.") == "tool"
    assert classify(has_speech_end=True, tools=0, agent_text="Sure. Three months works.") == "multi_turn"
    assert classify(has_speech_end=True, tools=0, agent_text="Sure thing.") == "simple"
    assert classify(has_speech_end=False, tools=0, agent_text="Hello.") == "unclassified"
