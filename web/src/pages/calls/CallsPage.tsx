// Calls: filters kept in the URL, keyset pagination ("Load more"), and a streamed CSV export with progress.
import { useEffect, useState } from "react";
import { useSearchParams } from "react-router";
import { Download } from "lucide-react";
import { $api, errorMessage } from "../../api/client";
import { CallsTable } from "../../components/CallsTable";
import { Button, Card, ErrorState, Loading, PageHeader, SelectField, TextField } from "../../components/ui";
import { downloadWithProgress, kb } from "../../lib/download";
import { humanize } from "../../lib/format";
import { useDebounced } from "../../lib/useDebounced";
import { useLiveLists } from "../../lib/useLiveLists";
import type { paths } from "../../api/schema";

const STATUSES = ["queued", "initiated", "ringing", "in-progress", "completed", "busy", "failed", "no-answer", "canceled"];
const OUTCOMES = ["payment_arranged", "promise_to_pay", "callback_scheduled", "transferred", "refused", "disputed",
  "cease_requested", "attorney", "bankruptcy", "wrong_party", "verification_failed", "voicemail", "no_answer", "busy",
  "failed", "hung_up", "completed_no_arrangement", "hardship"];
type CallQuery = NonNullable<paths["/api/v1/calls"]["get"]["parameters"]["query"]>;
type CallStatus = NonNullable<CallQuery["status"]>;
type CallOutcome = NonNullable<CallQuery["outcome"]>;

/** URL filters → the API's query: dates become the start / end of that local day as ISO datetimes. */
export function apiFilters(params: URLSearchParams) {
  const get = (k: string) => params.get(k) || undefined;
  const day = (d: string | undefined, end: boolean) => (d ? new Date(`${d}T${end ? "23:59:59.999" : "00:00:00"}`).toISOString() : undefined);
  const tactic = get("tactic_id");
  return {
    status: get("status") as CallStatus | undefined,
    outcome: get("outcome") as CallOutcome | undefined,
    tactic_id: tactic ? Number(tactic) : undefined,
    customer_id: get("customer_id"),
    q: get("q"),
    from: day(get("from"), false),
    to: day(get("to"), true),
  };
}

function exportQuery(filters: ReturnType<typeof apiFilters>): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) if (v !== undefined) qs.set(k, String(v));
  return qs.toString();
}

export function CallsPage() {
  const [params, setParams] = useSearchParams();
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [exporting, setExporting] = useState<number | null>(null);
  const [exportError, setExportError] = useState<string | null>(null);
  const [withTranscripts, setWithTranscripts] = useState(false);
  const [q, setQ] = useState(params.get("q") ?? "");
  const typed = useDebounced(q.trim(), 350);
  const filters = apiFilters(params);
  const cursor = cursors[cursors.length - 1];
  const { connected } = useLiveLists();
  // Only the first page follows new calls live; later pages stay put while you read them.
  const query = $api.useQuery("get", "/api/v1/calls", { params: { query: { ...filters, cursor, limit: 25 } } },
    { placeholderData: (prev) => prev, refetchInterval: connected || cursors.length > 1 ? false : 15_000 });
  const tactics = $api.useQuery("get", "/api/v1/tactics");

  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value); else next.delete(key);
    setParams(next, { replace: true });
    setCursors([undefined]);
  };
  // Search as you type: the settled text becomes the `q` filter (kept in the URL).
  useEffect(() => {
    if ((params.get("q") ?? "") !== typed) set("q", typed);
  }, [typed]);
  const exportCsv = async () => {
    setExportError(null);
    setExporting(0);
    try {
      const qs = exportQuery(filters) + (withTranscripts ? `${exportQuery(filters) ? "&" : ""}transcripts=true` : "");
      await downloadWithProgress(`/api/v1/calls/export.csv${qs ? `?${qs}` : ""}`, "archer-calls.csv", setExporting);
    } catch (err) {
      setExportError(errorMessage(err));
    } finally {
      setExporting(null);
    }
  };

  return (
    <>
      <PageHeader
        title="Calls"
        subtitle={<>Every call Archer placed or simulated, with its transcript and compliance record. {connected ? "Updates live." : "Refreshes every 15 seconds."}</>}
        actions={<>
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" checked={withTranscripts} onChange={(e) => setWithTranscripts(e.target.checked)} className="h-4 w-4 accent-[var(--color-accent)]" />
            Include transcripts
          </label>
          <Button onClick={exportCsv} busy={exporting !== null} aria-live="polite">
            <Download className="h-4 w-4" aria-hidden />
            {exporting !== null ? `Exporting… ${kb(exporting)}` : "Export CSV"}
          </Button>
        </>}
      />
      {exportError && <div className="mb-4"><ErrorState error={exportError} what="the export" /></div>}
      <Card>
        <form className="mb-5 grid gap-3 sm:grid-cols-2 lg:grid-cols-4 2xl:grid-cols-7" onSubmit={(e) => { e.preventDefault(); set("q", q.trim()); }} role="search" data-guide="calls-search">
          <div className="lg:col-span-2">
            <TextField label="Search transcripts" type="search" placeholder="e.g. payment plan" value={q} onChange={(e) => setQ(e.target.value)}
              hint="Results update as you type." />
          </div>
          <SelectField label="Status" value={params.get("status") ?? ""} onChange={(e) => set("status", e.target.value)}>
            <option value="">Any status</option>
            {[...STATUSES].sort((a, b) => humanize(a).localeCompare(humanize(b))).map((s) => <option key={s} value={s}>{humanize(s)}</option>)}
          </SelectField>
          <SelectField label="Outcome" value={params.get("outcome") ?? ""} onChange={(e) => set("outcome", e.target.value)}>
            <option value="">Any outcome</option>
            {[...OUTCOMES].sort((a, b) => humanize(a).localeCompare(humanize(b))).map((s) => <option key={s} value={s}>{humanize(s)}</option>)}
          </SelectField>
          <SelectField label="Tactic" value={params.get("tactic_id") ?? ""} onChange={(e) => set("tactic_id", e.target.value)}>
            <option value="">Any tactic</option>
            {[...(tactics.data ?? [])].sort((a, b) => humanize(a.name).localeCompare(humanize(b.name))).map((t) => <option key={t.id} value={t.id}>{humanize(t.name)}</option>)}
          </SelectField>
          <div className="grid grid-cols-2 gap-2 sm:col-span-2">
            <TextField label="From" type="date" value={params.get("from") ?? ""} onChange={(e) => set("from", e.target.value)} />
            <TextField label="To" type="date" value={params.get("to") ?? ""} onChange={(e) => set("to", e.target.value)} />
          </div>
        </form>
        <div data-guide="calls-table">
        {query.isPending ? <Loading what="calls" /> : query.error ? (
          <ErrorState error={query.error} what="calls" onRetry={() => query.refetch()} />
        ) : (
          <>
            <CallsTable calls={query.data?.items ?? []} empty="No calls match these filters." />
            <div className="mt-4 flex items-center justify-between text-sm text-muted">
              <span>Page {cursors.length}</span>
              <div className="flex gap-2">
                <Button disabled={cursors.length <= 1} onClick={() => setCursors((c) => c.slice(0, -1))}>Previous</Button>
                <Button disabled={!query.data?.next_cursor} onClick={() => setCursors((c) => [...c, query.data?.next_cursor ?? undefined])}>Next</Button>
              </div>
            </div>
          </>
        )}
        </div>
      </Card>
    </>
  );
}
