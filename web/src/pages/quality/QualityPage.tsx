// Quality: the GO/NO-GO verdict and the figures behind it for a chosen period (the quality report, issue 17),
// with the self-contained HTML report as a download.
import { useState } from "react";
import { Download } from "lucide-react";
import { $api, errorMessage, rawFetch } from "../../api/client";
import type { components } from "../../api/schema";
import { Badge, Button, Card, PageHeader, QueryState, Stat, TextField, cx, tableClass, tdClass, thClass } from "../../components/ui";
import { humanize, ms } from "../../lib/format";

type Report = components["schemas"]["QualityReport"];
type Summary = components["schemas"]["Summary"];
type Verdict = components["schemas"]["Verdict"];

const DAY = 86_400_000;
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

export function QualityPage() {
  const [from, setFrom] = useState(isoDay(new Date(Date.now() - 7 * DAY)));
  const [to, setTo] = useState(isoDay(new Date(Date.now() + DAY)));
  const query = { from: `${from}T00:00:00Z`, to: `${to}T00:00:00Z` };
  const report = $api.useQuery("get", "/api/v1/quality/report", { params: { query } });
  const [downloading, setDownloading] = useState(false);
  const [downloadError, setDownloadError] = useState<string | null>(null);

  async function download() {
    setDownloading(true);
    setDownloadError(null);
    try {
      const res = await rawFetch(`/api/v1/quality/report.html?${new URLSearchParams(query)}`, { headers: { Accept: "text/html" } });
      if (!res.ok) throw new Error(`the report could not be generated (${res.status})`);
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement("a");
      a.href = url;
      a.download = `archer-quality-${from}-${to}.html`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (err) {
      setDownloadError(errorMessage(err));
    } finally {
      setDownloading(false);
    }
  }

  return (
    <>
      <PageHeader title="Quality" subtitle="Is the voice stack good enough to go live? Latency, recordings, tester ratings and the GO/NO-GO verdict."
        actions={<Button onClick={() => void download()} busy={downloading}><Download className="h-4 w-4" /> Download HTML report</Button>} />
      <div className="mb-6 flex flex-wrap items-end gap-4">
        <TextField label="From" type="date" value={from} max={to} onChange={(e) => setFrom(e.target.value)} />
        <TextField label="To (exclusive)" type="date" value={to} min={from} onChange={(e) => setTo(e.target.value)} />
        {downloadError && <p role="alert" className="text-sm text-danger">{downloadError}</p>}
      </div>
      <QueryState query={report} what="the quality report">{(r) => <ReportView r={r} />}</QueryState>
    </>
  );
}

function ReportView({ r }: { r: Report }) {
  return (
    <div className="space-y-6">
      <Card title="Verdict" guide="quality-verdict" actions={<span className="text-xs text-muted">thresholds v{r.thresholds_version} · approved by {r.thresholds_approved_by} on {r.thresholds_approved_on}</span>}>
        <div className="flex flex-wrap items-start gap-6">
          <span data-testid="quality-verdict" className={cx("rounded-lg px-5 py-2 text-2xl font-bold text-white",
            r.overall === "GO" ? "bg-green-700" : r.overall === "NO-GO" ? "bg-red-700" : "bg-amber-700")}>{r.overall}</span>
          <ul className="flex-1 list-disc space-y-1 pl-5 text-sm">{r.reasons.map((x) => <li key={x}>{x}</li>)}</ul>
        </div>
        <div className="mt-4 grid gap-4 sm:grid-cols-4">
          <Stat label="Calls" value={r.calls.calls} hint={`${r.turns} turns`} />
          <Stat label="Recorded calls analysed" value={r.calls.recorded_calls} />
          <Stat label="Reviewers" value={r.ratings.reviewers} hint={`${r.ratings.rated_calls} rated calls`} />
          <Stat label="Transcription accuracy" value={r.transcription.accuracy_pct == null ? "—" : `${r.transcription.accuracy_pct.toFixed(1)} %`}
            hint={`${r.transcription.corrected_lines} corrected of ${r.transcription.reviewed_lines} lines`} />
        </div>
      </Card>
      <Card title="GO / NO-GO criteria"><VerdictTable rows={r.criteria} /></Card>
      <div className="grid gap-6 xl:grid-cols-2">
        <Card title="Component latency" guide="quality-latency"><FigureTable rows={r.components.map((f) => [f.label, f.summary])} /></Card>
        <Card title="Voice-to-voice by reply kind"><FigureTable rows={r.reply_kinds.map((f) => [f.label, f.summary])} /></Card>
      </div>
      <div className="grid gap-6 xl:grid-cols-2">
        <Card title="Service vs heard on the recording">
          <FigureTable rows={[[r.recorded.label, r.recorded.summary]]} />
          <p className="mt-2 text-sm text-muted">{r.side_by_side.enough
            ? `Over ${r.side_by_side.turns} turns with both: service P50 ${ms(r.side_by_side.service_p50)}, recording P50 ${ms(r.side_by_side.recording_p50)}; the phone path adds ${ms(r.side_by_side.mean_difference_ms)} on average.`
            : `Not enough turns measured both ways yet (${r.side_by_side.turns}).`}</p>
        </Card>
        <Card title={`Baseline: ${r.baseline_name}`}>
          <table className={tableClass}>
            <thead><tr><th className={thClass}>Reply kind</th><th className={thClass}>Baseline</th><th className={thClass}>Archer</th><th className={thClass}>Faster by</th></tr></thead>
            <tbody>{r.baseline.map((b) => (
              <tr key={b.kind}><td className={tdClass}>{humanize(b.kind)}</td><td className={tdClass}>{ms(b.baseline_ms)}</td>
                <td className={tdClass}>{ms(b.ours_ms)}</td><td className={tdClass}>{ms(b.improvement_ms)}</td></tr>
            ))}</tbody>
          </table>
        </Card>
      </div>
      <Card title="Tester ratings">
        {!r.ratings.enough && <p className="mb-2 text-sm text-amber-700">Not enough ratings for a verdict yet.</p>}
        <table className={tableClass} data-testid="quality-ratings">
          <thead><tr><th className={thClass}>Group</th><th className={thClass}>Ratings</th><th className={thClass}>Reviewers</th>
            <th className={thClass}>Naturalness</th><th className={thClass}>Latency feel</th><th className={thClass}>Overall</th></tr></thead>
          <tbody>{[r.ratings.overall, ...r.ratings.by_tactic].map((g, i) => (
            <tr key={`${i}-${g.group}`}><td className={tdClass}>{i === 0 ? "All" : humanize(g.group)}</td><td className={tdClass}>{g.ratings}</td>
              <td className={tdClass}>{g.reviewers}</td><td className={tdClass}>{g.naturalness ?? "—"}</td>
              <td className={tdClass}>{g.latency_feel ?? "—"}</td><td className={tdClass}>{g.overall ?? "—"}</td></tr>
          ))}</tbody>
        </table>
        <p className="mt-3 text-sm" data-testid="quality-transcription">
          Transcription: {r.transcription.reviewed_lines} caller lines reviewed, {r.transcription.corrected_lines} corrected,
          {" "}{r.transcription.word_errors} word errors in {r.transcription.reference_words} words
          {r.transcription.wer_pct != null ? ` (WER ${r.transcription.wer_pct.toFixed(1)} %)` : " (not enough reviewed words for a figure)"}.
        </p>
      </Card>
      <div className="grid gap-6 xl:grid-cols-3">
        {r.breakdowns.map((b) => (
          <Card key={b.by} title={`By ${b.by}`}>
            <FigureTable rows={b.rows.map((g) => [`${humanize(g.group)} (${g.calls} calls)`, g.voice_to_voice])} compact />
          </Card>
        ))}
      </div>
      <Card title="Post-launch monitors"><VerdictTable rows={r.monitors} /></Card>
    </div>
  );
}

function VerdictTable({ rows }: { rows: Verdict[] }) {
  return (
    <table className={tableClass}>
      <thead><tr><th className={thClass}>Criterion</th><th className={thClass}>Figure</th><th className={thClass}>Threshold</th><th className={thClass}>Verdict</th></tr></thead>
      <tbody>{rows.map((v) => (
        <tr key={`${v.group}-${v.id}`}>
          <td className={tdClass}>{v.group === "no_go" ? <Badge tone="danger">NO-GO if</Badge> : null} {v.label}</td>
          <td className={tdClass}>{v.figure == null ? "—" : v.figure.toLocaleString(undefined, { maximumFractionDigits: 1 })}</td>
          <td className={tdClass}>{v.threshold}</td>
          <td className={tdClass}><Badge tone={v.outcome === "met" ? "ok" : v.outcome === "not_met" ? "danger" : "warn"}>{v.text}</Badge></td>
        </tr>
      ))}</tbody>
    </table>
  );
}

function FigureTable({ rows, compact }: { rows: [string, Summary][]; compact?: boolean }) {
  return (
    <table className={tableClass}>
      <thead><tr><th className={thClass}></th><th className={thClass}>n</th><th className={thClass}>P50</th><th className={thClass}>P90</th>
        <th className={thClass}>P95</th>{!compact && <th className={thClass}>P99</th>}</tr></thead>
      <tbody>{rows.map(([label, s]) => (
        <tr key={label}>
          <td className={tdClass}>{label}</td><td className={tdClass}>{s.n}</td>
          {s.enough ? <>
            <td className={tdClass}>{ms(s.p50)}</td><td className={tdClass}>{ms(s.p90)}</td><td className={tdClass}>{ms(s.p95)}</td>
            {!compact && <td className={tdClass}>{ms(s.p99)}</td>}
          </> : <td className={cx(tdClass, "italic text-amber-700")} colSpan={compact ? 3 : 4}>not enough data (needs {s.min_samples})</td>}
        </tr>
      ))}</tbody>
    </table>
  );
}
