import { describe, expect, it } from "vitest";
import { buildTimeline, mergeTranscript, type TranscriptEntry } from "./timeline";

const line = (seq: number, speaker: string, text: string, at: string): TranscriptEntry => ({ seq, speaker, text, spoken_at: at });

describe("call timeline", () => {
  it("interleaves speech, tools and compliance events by time", () => {
    const items = buildTimeline(
      [line(0, "agent", "Hello", "2026-01-01T10:00:00Z"), line(1, "caller", "4821", "2026-01-01T10:00:10Z")],
      [{ seq: 0, name: "verify_account", arguments: {}, success: true, executed_at: "2026-01-01T10:00:11Z" }],
      [{ id: 1, category: "disclosure", code: "mini_miranda", occurred_at: "2026-01-01T10:00:05Z" }],
    );
    expect(items.map((i) => i.key)).toEqual(["t0", "c1", "t1", "x0"]);
  });

  it("adds live lines not yet fetched, and never duplicates a fetched line", () => {
    const fetched = [line(0, "agent", "Hello", "a"), line(1, "caller", "Yes", "b")];
    const live = [line(10001, "caller", "Yes", "b"), line(10002, "agent", "Thanks", "c"), line(1, "caller", "Yes", "b")];
    expect(mergeTranscript(fetched, live).map((e) => e.text)).toEqual(["Hello", "Yes", "Thanks"]);
  });
});
