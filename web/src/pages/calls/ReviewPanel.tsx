// A call's review (quality report, issue 17): the recording played through the API's authorized proxy, the gaps its
// analysis heard, reviewers' ratings (supervisor+ may rate) and transcript corrections (originals kept).
import { useEffect, useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { $api, errorMessage, rawFetch } from "../../api/client";
import type { components } from "../../api/schema";
import { useCan } from "../../auth/Can";
import { Badge, Button, Card, cx, tableClass, tdClass, thClass } from "../../components/ui";
import { ms } from "../../lib/format";

type Line = { seq: number; speaker: string; text: string };
type Correction = components["schemas"]["CorrectionOut"];
const SCORES = Array.from({ length: 10 }, (_, i) => i + 1);
const REVIEW = "/api/v1/calls/{call_id}/review" as const;

export function ReviewPanel({ callId, transcript }: { callId: string; transcript: Line[] }) {
  const review = $api.useQuery("get", REVIEW, { params: { path: { call_id: callId } } });
  const canReview = useCan("supervisor");
  const corrections = new Map((review.data?.corrections ?? []).map((c) => [c.seq, c]));
  return (
    <Card title="Review" actions={<span className="text-xs text-muted">quality report input</span>}>
      <div className="space-y-6" data-testid="review-panel">
        {review.data?.has_recording && <RecordingPlayer callId={callId} />}
        {review.data?.recording_analysis && <RecordedGaps analysis={review.data.recording_analysis} />}
        <Ratings callId={callId} ratings={review.data?.ratings ?? []} canReview={canReview} />
        <Corrections callId={callId} transcript={transcript} corrections={corrections} canReview={canReview} />
      </div>
    </Card>
  );
}

export function RecordingPlayer({ callId }: { callId: string }) {
  const [src, setSrc] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => () => { if (src) URL.revokeObjectURL(src); }, [src]);
  async function load() {
    setBusy(true);
    setError(null);
    try {
      // <audio src> cannot carry the bearer token: fetch through the proxy, play the blob.
      const res = await rawFetch(`/api/v1/calls/${callId}/recording`, { headers: { Accept: "audio/wav" } });
      if (!res.ok) throw new Error(`the recording could not be loaded (${res.status})`);
      setSrc(URL.createObjectURL(await res.blob()));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <section aria-label="Recording">
      <h3 className="mb-2 text-sm font-semibold">Recording</h3>
      {src ? <audio controls autoPlay src={src} className="w-full" aria-label="Call recording (via Archer)" />
        : <Button onClick={() => void load()} busy={busy}>Load recording</Button>}
      {error && <p role="alert" className="mt-2 text-sm text-danger">{error}</p>}
    </section>
  );
}

function RecordedGaps({ analysis }: { analysis: components["schemas"]["RecordingAnalysisOut"] }) {
  if (analysis.status === "failed") {
    return <p className="text-sm text-muted">The recording could not be analysed: {analysis.detail}</p>;
  }
  return (
    <section aria-label="Gaps heard on the recording">
      <h3 className="mb-2 text-sm font-semibold">Heard on the recording</h3>
      <table className={tableClass}>
        <thead><tr><th className={thClass}>Turn</th><th className={thClass}>Caller stops → Archer speaks</th></tr></thead>
        <tbody>{analysis.gaps.map((g) => (
          <tr key={g.turn}><td className={tdClass}>{g.turn}</td><td className={tdClass}>{ms(g.gap_ms)}</td></tr>
        ))}</tbody>
      </table>
    </section>
  );
}

function Ratings({ callId, ratings, canReview }: {
  callId: string; ratings: components["schemas"]["RatingOut"][]; canReview: boolean;
}) {
  const qc = useQueryClient();
  const [form, setForm] = useState({ naturalness: 7, latency_feel: 7, overall: 7, comment: "" });
  const [saved, setSaved] = useState(false);
  const save = $api.useMutation("put", "/api/v1/calls/{call_id}/rating", {
    onSuccess: () => {
      setSaved(true);
      void qc.invalidateQueries({ queryKey: ["get", REVIEW] });
    },
  });
  const score = (key: "naturalness" | "latency_feel" | "overall", label: string) => (
    <label className="flex flex-col gap-1 text-sm">
      <span className="text-xs uppercase tracking-wide text-muted">{label}</span>
      <select className="rounded-lg border border-border bg-surface-2 px-2 py-1.5" value={form[key]} aria-label={label}
        onChange={(e) => { setSaved(false); setForm({ ...form, [key]: Number(e.target.value) }); }}>
        {SCORES.map((n) => <option key={n} value={n}>{n}</option>)}
      </select>
    </label>
  );
  return (
    <section aria-label="Ratings">
      <h3 className="mb-2 text-sm font-semibold">Ratings (1–10)</h3>
      {ratings.length === 0 ? <p className="text-sm text-muted">Nobody has rated this call yet.</p> : (
        <table className={tableClass} data-testid="ratings">
          <thead><tr><th className={thClass}>Reviewer</th><th className={thClass}>Natural</th><th className={thClass}>Latency</th><th className={thClass}>Overall</th></tr></thead>
          <tbody>{ratings.map((r) => (
            <tr key={r.reviewer}><td className={tdClass}>{r.reviewer}{r.comment ? <div className="text-xs text-muted">{r.comment}</div> : null}</td>
              <td className={tdClass}>{r.naturalness}</td><td className={tdClass}>{r.latency_feel}</td><td className={tdClass}>{r.overall}</td></tr>
          ))}</tbody>
        </table>
      )}
      {canReview && (
        <form className="mt-3 space-y-3" onSubmit={(e) => {
          e.preventDefault();
          save.mutate({ params: { path: { call_id: callId } }, body: form });
        }}>
          <div className="grid grid-cols-3 gap-3">
            {score("naturalness", "Naturalness")}{score("latency_feel", "Latency feel")}{score("overall", "Overall")}
          </div>
          <textarea className="w-full rounded-lg border border-border bg-surface-2 px-3 py-2 text-sm" rows={2} maxLength={2000}
            placeholder="Comment (optional)" aria-label="Rating comment" value={form.comment}
            onChange={(e) => { setSaved(false); setForm({ ...form, comment: e.target.value }); }} />
          <div className="flex items-center gap-3">
            <Button type="submit" variant="primary" busy={save.isPending}>Save rating</Button>
            {saved && <Badge tone="ok">Rating saved</Badge>}
            {save.error && <span role="alert" className="text-sm text-danger">{errorMessage(save.error)}</span>}
          </div>
        </form>
      )}
    </section>
  );
}

function Corrections({ callId, transcript, corrections, canReview }: {
  callId: string; transcript: Line[]; corrections: Map<number, Correction>; canReview: boolean;
}) {
  const lines = transcript.filter((l) => l.speaker === "caller" || corrections.has(l.seq));
  return (
    <section aria-label="Transcript corrections">
      <h3 className="mb-1 text-sm font-semibold">What the caller said</h3>
      <p className="mb-2 text-xs text-muted">Correct a line that speech recognition got wrong; the original stays in the record. Corrections feed the word error rate.</p>
      {lines.length === 0 ? <p className="text-sm text-muted">No caller lines on this call.</p> : (
        <ul className="space-y-2">{lines.map((l) => (
          <CorrectionRow key={l.seq} callId={callId} line={l} correction={corrections.get(l.seq)} canReview={canReview} />
        ))}</ul>
      )}
    </section>
  );
}

function CorrectionRow({ callId, line, correction, canReview }: {
  callId: string; line: Line; correction?: Correction; canReview: boolean;
}) {
  const qc = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(correction?.corrected_text ?? line.text);
  const save = $api.useMutation("put", "/api/v1/calls/{call_id}/transcript/{seq}/correction", {
    onSuccess: () => {
      setEditing(false);
      void qc.invalidateQueries({ queryKey: ["get", REVIEW] });
    },
  });
  return (
    <li className="rounded-lg border border-border px-3 py-2 text-sm" data-testid={`line-${line.seq}`}>
      <p className={cx(correction && "text-muted line-through")}>{line.text}</p>
      {correction && <p className="mt-0.5" data-testid="corrected-text"><Badge tone="accent">corrected</Badge> {correction.corrected_text}</p>}
      {canReview && !editing && (
        <button type="button" className="mt-1 text-xs text-accent hover:underline" onClick={() => setEditing(true)}>
          {correction ? "Edit correction" : "Correct this line"}
        </button>
      )}
      {editing && (
        <form className="mt-2 flex gap-2" onSubmit={(e) => {
          e.preventDefault();
          save.mutate({ params: { path: { call_id: callId, seq: line.seq } }, body: { text } });
        }}>
          <input className="flex-1 rounded-lg border border-border bg-surface-2 px-2 py-1" value={text} maxLength={4000}
            aria-label={`Corrected text of line ${line.seq}`} onChange={(e) => setText(e.target.value)} />
          <Button type="submit" variant="primary" busy={save.isPending}>Save</Button>
          <Button variant="ghost" onClick={() => setEditing(false)}>Cancel</Button>
        </form>
      )}
      {save.error && <p role="alert" className="text-danger">{errorMessage(save.error)}</p>}
    </li>
  );
}
