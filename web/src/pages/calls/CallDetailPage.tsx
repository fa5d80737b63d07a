// Call detail: summary, recording, the timeline (speech, tools, compliance), per-turn latency; live calls update in place.
import { useState } from "react";
import { Link, useParams } from "react-router";
import { useQueryClient } from "@tanstack/react-query";
import { ArrowLeft, Download, Radio, ShieldAlert, Wrench } from "lucide-react";
import { $api, errorMessage } from "../../api/client";
import { Badge, Button, Card, Empty, PageHeader, QueryState, cx, tableClass, tdClass, thClass } from "../../components/ui";
import { downloadWithProgress, saveFile } from "../../lib/download";
import { clock, dateTime, duration, humanize, isLive, ms, outcomeTone, statusTone } from "../../lib/format";
import { useLiveEvents } from "../../lib/live";
import { ReviewPanel } from "./ReviewPanel";
import { buildTimeline, mergeTranscript, type TimelineItem, type TranscriptEntry } from "./timeline";

export function CallDetailPage() {
  const { callId = "" } = useParams();
  const qc = useQueryClient();
  const [liveEntries, setLiveEntries] = useState<TranscriptEntry[]>([]);
  const query = $api.useQuery("get", "/api/v1/calls/{call_id}", { params: { path: { call_id: callId } } }, {
    // Polling is the fallback while the call is live; /live pushes make it instant when connected.
    refetchInterval: (q) => (isLive(q.state.data?.status) ? 2_000 : false),
  });
  const live = isLive(query.data?.status);
  const [exportError, setExportError] = useState<string | null>(null);
  const exportCsv = async () => {
    setExportError(null);
    try {
      await downloadWithProgress(`/api/v1/calls/${callId}/export.csv`, `call-${callId}.csv`, () => {});
    } catch (err) {
      setExportError(errorMessage(err));
    }
  };
  const { connected } = useLiveEvents((e) => {
    if (e.callId !== callId) return;
    if (e.type === "transcript") {
      const d = e.data;
      setLiveEntries((prev) => [...prev, {
        seq: Number(d.seq ?? prev.length + 10_000), speaker: String(d.speaker ?? "agent"), text: String(d.text ?? ""),
        interrupted: Boolean(d.interrupted), spoken_at: String(d.spoken_at ?? new Date().toISOString()),
      }]);
    } else {
      void qc.invalidateQueries({ queryKey: ["get", "/api/v1/calls/{call_id}"] });
    }
  }, live ? { call_id: callId } : {});

  return (
    <>
      <Link to="/calls" className="mb-3 inline-flex items-center gap-1 text-sm text-muted hover:text-fg"><ArrowLeft className="h-4 w-4" /> All calls</Link>
      <QueryState query={query} what="the call">
        {(call) => {
          const transcript = mergeTranscript(call.transcript, liveEntries);
          const timeline = buildTimeline(transcript, call.tool_executions, call.compliance_events);
          return (
            <>
              <PageHeader
                title={call.customer_name ?? "Call"}
                subtitle={<>{dateTime(call.started_at)} · {humanize(call.call_type)} · {humanize(call.direction)}</>}
                actions={<>
                  {live && <Badge tone="accent"><Radio className="h-3 w-3 animate-pulse" /> Live{connected ? "" : " (refreshing)"}</Badge>}
                  <Badge tone={statusTone(call.status)}>{humanize(call.status)}</Badge>
                  {call.outcome && <Badge tone={outcomeTone(call.outcome)}>{humanize(call.outcome)}</Badge>}
                  <Button onClick={() => saveFile(JSON.stringify(call, null, 2), `call-${call.id}.json`, "application/json")}>
                    <Download className="h-4 w-4" aria-hidden /> Export JSON
                  </Button>
                  <Button onClick={() => void exportCsv()}><Download className="h-4 w-4" aria-hidden /> Export CSV</Button>
                </>}
              />
              {exportError && <p role="alert" className="mb-4 text-sm text-danger">The export failed: {exportError}</p>}
              <div className="grid gap-6 xl:grid-cols-3">
                <div className="space-y-6 xl:col-span-2">
                  <Card title="Conversation" actions={<span className="text-xs text-muted">{transcript.length} turns</span>}>
                    <Timeline items={timeline} live={live} />
                  </Card>
                  <ReviewPanel callId={call.id} transcript={call.transcript} />
                  <Card title={latencySimulated(call.turn_latencies) ? "Per-turn latency (simulated: engine timings, no audio)" : "Per-turn latency"}>
                    <LatencyTable turns={call.turn_latencies} />
                  </Card>
                </div>
                <div className="space-y-6">
                  <Card title="Summary">
                    <dl className="grid grid-cols-2 gap-x-4 gap-y-3 text-sm">
                      <Dt label="Customer">{call.customer_id ? <Link className="text-accent hover:underline" to={`/customers/${call.customer_id}`}>{call.customer_name ?? "Open"}</Link> : "—"}</Dt>
                      <Dt label="Number"><span className="font-mono">{call.to_number ?? "—"}</span></Dt>
                      <Dt label="Tactic">{humanize(call.tactic_name)}{call.tactic_version ? ` v${call.tactic_version}` : ""}</Dt>
                      <Dt label="Duration">{duration(call.duration_s)}</Dt>
                      <Dt label="Verified">{call.verified ? "Yes" : "No"}</Dt>
                      <Dt label="Answered by">{humanize(call.answered_by)}</Dt>
                    </dl>
                  </Card>
                  <Card title="Recording">
                    {call.recording_url ? (
                      <audio controls preload="none" src={call.recording_url} className="w-full" aria-label="Call recording" />
                    ) : <p className="text-sm text-muted">No recording for this call{call.call_type === "simulated" ? " (simulated calls are not recorded)" : ""}.</p>}
                  </Card>
                  <Card title="Tools used">
                    {call.tool_executions.length === 0 ? <p className="text-sm text-muted">No tools ran on this call.</p> : (
                      <ul className="space-y-2 text-sm">
                        {call.tool_executions.map((t) => (
                          <li key={t.seq} className="flex items-center justify-between gap-2">
                            <span className="font-mono">{t.name}</span>
                            <Badge tone={t.success ? "ok" : "danger"}>{t.success ? "ok" : "failed"}</Badge>
                          </li>
                        ))}
                      </ul>
                    )}
                  </Card>
                </div>
              </div>
            </>
          );
        }}
      </QueryState>
    </>
  );
}

function Dt({ label, children }: { label: string; children: React.ReactNode }) {
  return <div><dt className="text-xs uppercase tracking-wide text-muted">{label}</dt><dd className="mt-0.5">{children}</dd></div>;
}

export function Timeline({ items, live }: { items: TimelineItem[]; live?: boolean }) {
  if (items.length === 0) return <Empty>{live ? "Waiting for the first words…" : "This call has no transcript."}</Empty>;
  return (
    <ol className="space-y-3" aria-live={live ? "polite" : undefined} aria-label="Call timeline">
      {items.map((it) => <li key={it.key}><TimelineRow item={it} /></li>)}
    </ol>
  );
}

function TimelineRow({ item }: { item: TimelineItem }) {
  if (item.kind === "speech") {
    const e = item.entry;
    const agent = e.speaker === "agent";
    return (
      <div className={cx("flex gap-3", !agent && "flex-row-reverse text-right")}>
        <div className={cx("max-w-[80%] rounded-2xl px-4 py-2.5 text-sm", agent ? "rounded-tl-sm bg-surface-2" : "rounded-tr-sm bg-accent-soft")}>
          <div className="mb-0.5 flex items-center gap-2 text-xs text-muted">
            <span className="font-semibold capitalize">{agent ? "Archer" : e.speaker === "caller" ? "Customer" : e.speaker}</span>
            <time dateTime={e.spoken_at}>{clock(e.spoken_at)}</time>
            {e.interrupted && <Badge tone="warn">interrupted</Badge>}
          </div>
          <p className="leading-relaxed" data-testid="transcript-text">{e.text}</p>
        </div>
      </div>
    );
  }
  if (item.kind === "tool") {
    const t = item.entry;
    return (
      <details className="rounded-lg border border-border bg-surface-2/50 px-3 py-2 text-sm">
        <summary className="flex cursor-pointer items-center gap-2">
          <Wrench className="h-3.5 w-3.5 text-accent" aria-hidden />
          <span className="font-mono">{t.name}</span>
          <Badge tone={t.success ? "ok" : "danger"}>{t.success ? "ok" : "failed"}</Badge>
          <span className="ml-auto text-xs text-muted">{t.duration_ms != null ? ms(t.duration_ms) : ""} · {clock(t.executed_at)}</span>
        </summary>
        <pre className="mt-2 overflow-x-auto rounded bg-bg p-2 text-xs">{JSON.stringify({ arguments: t.arguments, result: t.result, error: t.error ?? undefined }, null, 2)}</pre>
      </details>
    );
  }
  const c = item.entry;
  return (
    <div className="flex items-center gap-2 px-1 text-xs text-muted">
      <ShieldAlert className={cx("h-3.5 w-3.5", c.category === "guard_block" ? "text-danger" : "text-warn")} aria-hidden />
      <span className="font-semibold uppercase tracking-wide">{humanize(c.category)}</span>
      <span>{humanize(c.code)}</span>
      <time className="ml-auto" dateTime={c.occurred_at}>{clock(c.occurred_at)}</time>
    </div>
  );
}

interface TurnMetric { turn: number; stt_ms?: number | string | null; llm_ttft_ms?: number | string | null; tts_ttfb_ms?: number | string | null;
  first_sentence_ms?: number | string | null; voice_to_voice_ms?: number | string | null; overhead_ms?: number | string | null; interrupted?: boolean }

/** True when no turn has audio timings (a simulated call: only the engine's own figures exist). */
export function latencySimulated(turns: TurnMetric[]): boolean {
  return turns.length > 0 && turns.every((t) => t.voice_to_voice_ms == null && t.stt_ms == null && t.tts_ttfb_ms == null);
}

function LatencyTable({ turns }: { turns: TurnMetric[] }) {
  if (turns.length === 0) return <p className="text-sm text-muted">No latency figures were recorded for this call.</p>;
  if (latencySimulated(turns)) {
    return (
      <div className="overflow-x-auto">
        <table className={tableClass} aria-label="Per-turn engine timings (simulated)">
          <thead><tr>{["Turn", "LLM first token", "First sentence"].map((h) => <th key={h} className={thClass}>{h}</th>)}</tr></thead>
          <tbody>
            {turns.map((t) => (
              <tr key={t.turn} className="tabular-nums">
                <td className={tdClass}>{t.turn}</td>
                <td className={tdClass}>{ms(t.llm_ttft_ms)}</td>
                <td className={tdClass}>{ms(t.first_sentence_ms)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="mt-2 text-xs text-muted">Simulated call: speech-to-text and text-to-speech did not run, so there is no voice-to-voice figure.</p>
      </div>
    );
  }
  return (
    <div className="overflow-x-auto">
      <table className={tableClass} aria-label="Per-turn latency">
        <thead><tr>{["Turn", "STT", "LLM first token", "TTS first byte", "Archer overhead", "Voice to voice"].map((h) => <th key={h} className={thClass}>{h}</th>)}</tr></thead>
        <tbody>
          {turns.map((t) => (
            <tr key={t.turn} className="tabular-nums">
              <td className={tdClass}>{t.turn}{t.interrupted && <span className="ml-2"><Badge tone="warn">barge-in</Badge></span>}</td>
              <td className={tdClass}>{ms(t.stt_ms)}</td>
              <td className={tdClass}>{ms(t.llm_ttft_ms)}</td>
              <td className={tdClass}>{ms(t.tts_ttfb_ms)}</td>
              <td className={tdClass}>{ms(t.overhead_ms)}</td>
              <td className={cx(tdClass, "font-semibold")}>{ms(t.voice_to_voice_ms)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
