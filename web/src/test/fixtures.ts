// API response fixtures shared by several tests.

const thin = { n: 3, enough: false, min_samples: 20, p50: null, p90: null, p95: null, p99: null, mean: null };
const rating = { group: "all", ratings: 1, reviewers: 1, naturalness: 8, latency_feel: 6, overall: 9 };
export const QUALITY_REPORT = {
  generated_at: "2026-11-30T10:00:00Z", period_from: "2026-11-23T00:00:00Z", period_to: "2026-12-01T00:00:00Z",
  call_filter: [], thresholds_version: "2026-11-30.1", thresholds_approved_by: "Head of Operations",
  thresholds_approved_on: "2026-11-30",
  calls: { calls: 4, completed: 4, failed: 0, success_rate_pct: 100, recorded_calls: 0, by_type: {} }, turns: 3,
  components: [{ key: "tts_ttfb_ms", label: "TTS time to first byte", summary: thin }],
  reply_kinds: [{ key: "simple", label: "Simple replies", summary: { ...thin, n: 0 } }], reply_kind_rule: "",
  recorded: { key: "recorded_voice_to_voice", label: "Voice-to-voice measured from recordings", summary: { ...thin, n: 0 } },
  side_by_side: { turns: 0, enough: false, service_p50: null, recording_p50: null, service_p95: null, recording_p95: null, mean_difference_ms: null },
  breakdowns: [], ratings: { reviewers: 1, rated_calls: 1, enough: false, overall: rating, by_tactic: [], by_day: [] },
  transcription: { reviewed_lines: 3, corrected_lines: 1, reference_words: 22, word_errors: 5, enough: false, wer_pct: null, accuracy_pct: null },
  baseline_name: "ElevenLabs agent", baseline: [{ kind: "simple", baseline_ms: 950, ours_ms: null, improvement_ms: null }],
  criteria: [{ id: "tts_ttfb_p90", group: "go", label: "TTS first byte P90", metric: "component.tts_ttfb_ms.p90", figure: null,
    threshold: "< 100 ms", outcome: "not_enough_data", text: "not enough data (n=3 of 20 turns)" }],
  monitors: [], overall: "HOLD", reasons: ["TTS first byte P90: not enough data (n=3 of 20 turns)"], samples: [],
};
