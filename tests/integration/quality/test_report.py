"""The quality report from seeded calls with known timings: every percentile, the reply-kind split, each verdict."""
from __future__ import annotations

import json
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from psycopg import AsyncConnection

from shared.db import tactics
from shared.quality.dataset import Period
from shared.quality.report import generate, parse_args, write_report
from shared.quality.thresholds import DEFAULT_PATH, Thresholds, parse_thresholds
from tests.integration.quality.seed import ONE_SENTENCE, T0, TWO_SENTENCES, rate, seed_call, seed_gaps

PERIOD = Period(T0 - timedelta(hours=1), T0 + timedelta(hours=1))
SIMPLE = [300.0, 320.0, 340.0, 360.0, 380.0]
MULTI = [500.0, 520.0, 540.0, 560.0, 580.0]
TOOL = [1000.0, 1050.0, 1100.0, 1150.0, 1200.0]
CALLER = ["I pay to hundred", "yes that works fine", "next friday is good", "thank you very much",
          "goodbye for now then"]


def small_sample_thresholds() -> Thresholds:
    """The approved thresholds file with smaller minimum samples, so hand-computed seeds stay readable."""
    data = tomllib.loads(DEFAULT_PATH.read_text())
    data["sample"] = {"min_turns": 5, "min_recorded_calls": 2, "min_reviewers": 2, "min_rated_calls": 2,
                      "min_corrected_words": 10, "plot_min_samples": 5}
    return parse_thresholds(data)


def components(tts: list[float], offset: int) -> list[tuple[float, float, float, float]]:
    """Turn i of all 15 (0-based across the three calls): stt 100+5i, llm 200+10i, tts given, overhead 5+i."""
    return [(100 + 5 * i, 200 + 10 * i, tts[i], 5 + i) for i in range(offset, offset + 5)]


async def seed_period(conn: AsyncConnection, *, tts: list[float], ratings_overall: tuple[int, ...] = (8, 7, 9, 8),
                      ) -> None:
    calm = await tactics.create_tactic(conn, name="calm_q", archetype="custom",
                                       config={"urgency": 3, "empathy": 8, "persistence": 4, "authority": 3})
    firm = await tactics.create_tactic(conn, name="firm_q", archetype="custom",
                                       config={"urgency": 8, "empathy": 3, "persistence": 8, "authority": 8})
    a = await seed_call(conn, tactic=calm, direction="outbound", phone="+12125550142", start=T0,
                        v2v=SIMPLE, components=components(tts, 0), agent_text=ONE_SENTENCE, caller_lines=CALLER)
    b = await seed_call(conn, tactic=firm, direction="inbound", phone="+14165550100", start=T0 + timedelta(minutes=5),
                        v2v=MULTI, components=components(tts, 5), agent_text=TWO_SENTENCES, caller_lines=CALLER)
    await seed_call(conn, tactic=firm, direction="outbound", phone="+13105550100", start=T0 + timedelta(minutes=10),
                    v2v=TOOL, components=components(tts, 10), agent_text=TWO_SENTENCES, tools=True)
    await seed_gaps(conn, a.id, [400, 410, 420, 430, 440])
    await seed_gaps(conn, b.id, [450, 460, 470, 480, 490])
    # naturalness 7, 8, 8, 9 (mean 8); latency feel 7, 7, 8, 8 (mean 7.5); overall as given
    await rate(conn, a.id, "reviewer-1", 7, 7, ratings_overall[0])
    await rate(conn, a.id, "reviewer-2", 8, 7, ratings_overall[1])
    await rate(conn, b.id, "reviewer-1", 8, 8, ratings_overall[2])
    await rate(conn, b.id, "reviewer-2", 9, 8, ratings_overall[3])
    # one substituted word among the 40 caller words of the two reviewed calls: WER 2.5 %
    from shared.quality.reviews import correct_line
    await correct_line(conn, a.id, 1, "reviewer-1", "I pay two hundred")


GOOD_TTS = [60 + 2 * i for i in range(15)]
SLOW_TTS = [100 + 5 * i for i in range(15)]


def stats(summary: object) -> tuple[float | None, ...]:
    return tuple(getattr(summary, k) for k in ("p50", "p90", "p95", "p99", "mean"))


async def test_every_percentile_and_the_reply_kind_split_match_hand_computed_values(conn: AsyncConnection) -> None:
    await seed_period(conn, tts=GOOD_TTS)
    report, plots = await generate(conn, PERIOD, small_sample_thresholds(), now=T0 + timedelta(days=1))

    comp = {f.key: f.summary for f in report.components}
    assert comp["stt_ms"].n == 15
    assert stats(comp["stt_ms"]) == pytest.approx((135, 163, 166.5, 169.3, 135))
    assert stats(comp["llm_ttft_ms"]) == pytest.approx((270, 326, 333, 338.6, 270))
    assert stats(comp["tts_ttfb_ms"]) == pytest.approx((74, 85.2, 86.6, 87.72, 74))
    assert stats(comp["overhead_ms"]) == pytest.approx((12, 17.6, 18.3, 18.86, 12))
    assert stats(comp["voice_to_voice_ms"]) == pytest.approx((540, 1130, 1165, 1193, 660))
    assert comp["first_frame_ms"].n == 0 and not comp["first_frame_ms"].enough

    kinds = {f.key: f.summary for f in report.reply_kinds}
    assert (kinds["simple"].n, kinds["multi_turn"].n, kinds["tool"].n, kinds["unclassified"].n) == (5, 5, 5, 0)
    assert stats(kinds["simple"]) == pytest.approx((340, 372, 376, 379.2, 340))
    assert stats(kinds["multi_turn"]) == pytest.approx((540, 572, 576, 579.2, 540))
    assert stats(kinds["tool"]) == pytest.approx((1100, 1180, 1190, 1198, 1100))

    # recordings: 10 gaps 400..490 step 10 → P50 445, P95 485.5
    assert (report.recorded.summary.p50, report.recorded.summary.p95) == pytest.approx((445, 485.5))
    assert report.side_by_side.turns == 10
    assert report.side_by_side.service_p50 == pytest.approx(440)   # 300..380 ∪ 500..580: rank 4.5 → (380+500)/2
    assert report.side_by_side.mean_difference_ms == pytest.approx(445 - 440)

    regions = {b.by: {g.group: g.calls for g in b.rows} for b in report.breakdowns}
    assert regions["region"] == {"CA-ON": 1, "US-CA": 1, "US-NY": 1}
    assert regions["direction"] == {"inbound": 1, "outbound": 2}
    assert regions["tactic"] == {"calm_q": 1, "firm_q": 2}

    assert report.ratings.enough and (report.ratings.reviewers, report.ratings.rated_calls) == (2, 2)
    overall = report.ratings.overall
    assert (overall.naturalness, overall.latency_feel, overall.overall) == (8.0, 7.5, 8.0)
    assert {r.group: r.overall for r in report.ratings.by_tactic} == {"calm_q": 7.5, "firm_q": 8.5}
    t = report.transcription
    assert (t.reviewed_lines, t.corrected_lines, t.reference_words, t.word_errors) == (10, 1, 40, 1)
    assert (t.wer_pct, t.accuracy_pct) == (2.5, 97.5)
    assert {b.kind: b.improvement_ms for b in report.baseline} == {"simple": 610, "multi_turn": 660, "tool": 1400}
    assert len(plots.kinds["tool"]) == 5


async def test_all_criteria_met_is_go(conn: AsyncConnection) -> None:
    await seed_period(conn, tts=GOOD_TTS)
    report, _ = await generate(conn, PERIOD, small_sample_thresholds(), now=T0)
    verdicts = {v.id: (v.figure, v.outcome) for v in report.criteria}
    assert verdicts == {
        "tts_ttfb_p90": (pytest.approx(85.2), "met"), "stt_p90": (163, "met"), "llm_ttft_p90": (326, "met"),
        "simple_median": (340, "met"), "multi_turn_median": (540, "met"), "tool_median": (1100, "met"),
        "recorded_p95": (485.5, "met"), "ratings_overall": (8.0, "met"), "ratings_naturalness": (8.0, "met"),
        "ratings_latency_feel": (7.5, "met"), "transcription_accuracy": (97.5, "met"),
        "faster_than_baseline": (610, "met"),
        "tts_ttfb_p90_ceiling": (pytest.approx(85.2), "met"), "simple_ceiling": (340, "met"),
        "ratings_floor": (8.0, "met"), "no_improvement": (610, "met")}
    assert report.overall == "GO"
    monitors = {v.id: v.outcome for v in report.monitors}
    assert monitors == {"call_success_rate": "met", "archer_overhead_mean": "met", "uptime": "not_enough_data"}


async def test_slow_tts_and_low_ratings_are_no_go_with_the_reasons(conn: AsyncConnection) -> None:
    await seed_period(conn, tts=SLOW_TTS, ratings_overall=(5, 6, 5, 6))
    report, _ = await generate(conn, PERIOD, small_sample_thresholds(), now=T0)
    verdicts = {v.id: (v.figure, v.outcome, v.text) for v in report.criteria}
    assert verdicts["tts_ttfb_p90"] == (163, "not_met", "not met")            # 100 + 5 × 12.6
    assert verdicts["tts_ttfb_p90_ceiling"] == (163, "not_met", "NO-GO")
    assert verdicts["ratings_overall"] == (5.5, "not_met", "not met")
    assert verdicts["ratings_floor"] == (5.5, "not_met", "NO-GO")
    assert verdicts["simple_ceiling"][1:] == ("met", "clear")
    assert report.overall == "NO-GO"
    assert report.reasons == ["TTS first byte P90 above ceiling: 163 (NO-GO when > 150 ms)",
                              "Tester rating (overall mean) below floor: 5.5 (NO-GO when < 6 /10)"]


async def test_thin_data_says_not_enough_data_and_holds(conn: AsyncConnection, tmp_path: Path) -> None:
    calm = await tactics.create_tactic(conn, name="thin_q", archetype="custom",
                                       config={"urgency": 3, "empathy": 8, "persistence": 4, "authority": 3})
    await seed_call(conn, tactic=calm, direction="outbound", phone="+12125550142", start=T0, v2v=SIMPLE[:3],
                    components=[(100, 200, 60, 5)] * 3, agent_text=ONE_SENTENCE)
    report, plots = await generate(conn, PERIOD, small_sample_thresholds(), now=T0)
    assert all(v.outcome == "not_enough_data" for v in report.criteria), report.criteria
    tts = next(v for v in report.criteria if v.id == "tts_ttfb_p90")
    assert tts.figure is None and tts.text == "not enough data (n=3 of 5 turns)"
    ratings = next(v for v in report.criteria if v.id == "ratings_overall")
    assert ratings.text == "not enough data (0 of 2 reviewers, 0 of 2 rated calls)"
    assert report.overall == "HOLD"
    assert "Simple replies, voice-to-voice median: not enough data (n=3 of 5 turns)" in report.reasons

    html = write_report(report, plots, tmp_path).read_text()
    assert "not enough data" in html and "<svg" not in html.split("<h2>Plots</h2>")[1].split("<h3>")[0]
    saved = json.loads((tmp_path / "quality-report.json").read_text())
    assert saved["overall"] == "HOLD" and saved["components"][0]["summary"]["enough"] is False


async def test_the_html_report_is_self_contained_with_inline_svg_plots(conn: AsyncConnection,
                                                                       tmp_path: Path) -> None:
    await seed_period(conn, tts=GOOD_TTS)
    report, plots = await generate(conn, PERIOD, small_sample_thresholds(), now=T0)
    html = write_report(report, plots, tmp_path).read_text()
    assert html.count("<svg") >= 8          # CDF+histogram per component with data, kinds, recorded, timelines
    assert 'id="overall-verdict">GO<' in html
    assert "src=\"http" not in html and "<script" not in html


def test_cli_defaults_to_the_last_seven_days_and_rejects_bad_input() -> None:
    now = datetime(2026, 11, 30, 12, tzinfo=UTC)
    args = parse_args([], now=now)
    assert (args.start, args.end, args.out) == (now - timedelta(days=7), now, Path(".local/reports"))
    args = parse_args(["--from", "2026-11-01", "--to", "2026-11-02", "--calls", "", "--out", "x"], now=now)
    assert args.start == datetime(2026, 11, 1, tzinfo=UTC) and args.call_ids == ()
    with pytest.raises(SystemExit):
        parse_args(["--from", "2026-11-02", "--to", "2026-11-01"], now=now)
    with pytest.raises(SystemExit):
        parse_args(["--calls", "not-a-uuid"], now=now)


async def test_turns_without_a_speech_end_are_classified_from_the_callers_lines(conn: AsyncConnection) -> None:
    """Simulated calls record no speech end: turn n then starts at the caller's n-th line."""
    from shared.db import calls

    row = await calls.create_call(conn, calls.NewCall(direction="outbound", call_type="simulated"))
    await conn.execute("UPDATE calls SET started_at = %s WHERE id = %s", (T0, row.id))
    at = [T0 + timedelta(seconds=s) for s in range(0, 100, 5)]
    script = [("agent", "Hello, this is Archer."), ("caller", "yes"), ("agent", "Thanks."),
              ("caller", "what are my options"), ("agent", "You can pay in full. Or over three months."),
              ("caller", "three months"), ("agent", "Done.")]
    for seq, (speaker, text) in enumerate(script):
        await calls.add_transcript_entry(conn, row.id, seq, speaker, text, spoken_at=at[seq])
    await calls.add_tool_execution(conn, row.id, 0, "calculate_payment_plan", {}, {}, success=True, duration_ms=2,
                                   executed_at=at[5] + timedelta(seconds=1))
    for turn in range(4):
        await calls.record_turn_metrics(conn, calls.TurnMetrics(call_id=row.id, turn=turn, voice_to_voice_ms=100.0))
    report, _ = await generate(conn, PERIOD, small_sample_thresholds(), now=T0)
    kinds = {f.key: f.summary.n for f in report.reply_kinds}
    assert kinds == {"simple": 1, "multi_turn": 1, "tool": 1, "unclassified": 1}   # the greeting is turn 0


async def test_ratings_by_day_are_utc_days_whatever_the_sessions_time_zone(conn: AsyncConnection) -> None:
    """Every other report counts UTC days (the dashboard, tactic performance): a call rated at 02:00 UTC is that
    UTC day's, not the previous evening's in the database session's zone."""
    calm = await tactics.create_tactic(conn, name="calm_q", archetype="custom",
                                       config={"urgency": 3, "empathy": 8, "persistence": 4, "authority": 3})
    early = T0.replace(hour=2)                                   # 2026-11-20 02:00 UTC: 18:00 on the 19th in LA
    evening = T0.replace(hour=23, minute=30)                     # 23:30 UTC: still the 20th
    for start in (early, evening):
        call = await seed_call(conn, tactic=calm, direction="outbound", phone="+13105550100", start=start,
                               v2v=SIMPLE, components=components(GOOD_TTS, 0), agent_text=ONE_SENTENCE)
        await rate(conn, call.id, "reviewer-1", 8, 8, 8)
    await conn.execute("SET TIME ZONE 'America/Los_Angeles'")
    try:
        report, _ = await generate(conn, Period(early - timedelta(hours=1), evening + timedelta(hours=1)),
                                   small_sample_thresholds(), now=T0 + timedelta(days=1))
    finally:
        await conn.execute("RESET TIME ZONE")
    assert [(d.group, d.ratings) for d in report.ratings.by_day] == [("2026-11-20", 2)]
