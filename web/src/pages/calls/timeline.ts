// Merges a call's transcript, tool executions and compliance events into one time-ordered timeline.
export interface TranscriptEntry { seq: number; speaker: string; text: string; interrupted?: boolean; spoken_at: string }
export interface ToolEntry { seq: number; name: string; arguments: unknown; result?: unknown; success: boolean; error?: string | null; duration_ms?: number | string | null; executed_at: string }
export interface ComplianceEntry { id?: number | string; category: string; code: string; details?: unknown; occurred_at: string }

export type TimelineItem =
  | { kind: "speech"; at: string; key: string; entry: TranscriptEntry }
  | { kind: "tool"; at: string; key: string; entry: ToolEntry }
  | { kind: "compliance"; at: string; key: string; entry: ComplianceEntry };

export function buildTimeline(transcript: TranscriptEntry[], tools: ToolEntry[], events: ComplianceEntry[]): TimelineItem[] {
  const items: TimelineItem[] = [
    ...transcript.map((e) => ({ kind: "speech" as const, at: e.spoken_at, key: `t${e.seq}`, entry: e })),
    ...tools.map((e) => ({ kind: "tool" as const, at: e.executed_at, key: `x${e.seq}`, entry: e })),
    ...events.map((e, i) => ({ kind: "compliance" as const, at: e.occurred_at, key: `c${e.id ?? i}`, entry: e })),
  ];
  const rank = { speech: 0, tool: 1, compliance: 2 };
  return items.sort((a, b) => a.at.localeCompare(b.at) || rank[a.kind] - rank[b.kind] ||
    (a.kind === "speech" && b.kind === "speech" ? a.entry.seq - b.entry.seq : 0));
}

/** Adds live transcript entries the fetched call does not have yet, keeping order. Live events may carry no
 * seq (the voice service publishes before its write-behind store), so an entry already fetched with the same
 * speaker and text counts as the same line. */
export function mergeTranscript(fetched: TranscriptEntry[], live: TranscriptEntry[]): TranscriptEntry[] {
  const seqs = new Set(fetched.map((e) => e.seq));
  const lines = new Set(fetched.map((e) => `${e.speaker}\u0000${e.text.trim()}`));
  const fresh = live.filter((e) => !seqs.has(e.seq) && !lines.has(`${e.speaker}\u0000${e.text.trim()}`));
  return [...fetched, ...fresh].sort((a, b) => a.seq - b.seq);
}
