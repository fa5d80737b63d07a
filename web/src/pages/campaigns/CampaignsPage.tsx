// Campaigns: create from a customer filter or a CSV of customers, schedule window, concurrency and pace;
// start / pause / resume / cancel; progress and dispositions refresh while any campaign runs.
import { useEffect, useState } from "react";
import { Link } from "react-router";
import { useQueryClient } from "@tanstack/react-query";
import { ChevronDown, ChevronRight, Info, Pause, Play, Plus, Square } from "lucide-react";
import { $api, errorMessage } from "../../api/client";
import { Can } from "../../auth/Can";
import { Badge, Button, Card, Empty, PageHeader, Progress, QueryState, SelectField, TextField, cx, tableClass, tdClass, thClass } from "../../components/ui";
import { dateTime, humanize, statusTone } from "../../lib/format";
import type { components } from "../../api/schema";
import { useLiveLists } from "../../lib/useLiveLists";

export function CampaignsPage() {
  const [creating, setCreating] = useState(false);
  const tactics = $api.useQuery("get", "/api/v1/tactics");
  useLiveLists();
  const query = $api.useQuery("get", "/api/v1/campaigns", {}, {
    refetchInterval: (q) => (q.state.data?.some((c) => c.status === "running") ? 5_000 : false),
  });
  return (
    <>
      <PageHeader
        title="Campaigns"
        subtitle="Batches of calls run by the workflow engine, each dial screened by the compliance gate."
        actions={<Can role="supervisor"><Button variant="primary" onClick={() => setCreating((c) => !c)}><Plus className="h-4 w-4" /> New campaign</Button></Can>}
      />
      {creating && <CreateCampaign onDone={() => setCreating(false)} />}
      <div data-guide="campaigns-list">
        <QueryState query={query} what="campaigns">
          {(data) => data.length === 0 ? <Card><Empty>No campaigns yet. Create one to call a group of customers.</Empty></Card> : (
            <div className="space-y-4">
              {data.map((c) => <CampaignCard key={c.id} campaign={c} tactics={tactics.data ?? []} />)}
            </div>
          )}
        </QueryState>
      </div>
    </>
  );
}

type Campaign = components["schemas"]["CampaignOut"];
type Tactic = components["schemas"]["TacticOut"];

const NEXT_WORDS: Record<string, string> = { before_window: "Opens", after_window: "Closed",
  all_blocked: "First target allowed", waiting_retry: "Next attempt" };

/** Targets finished (done, skipped or cancelled) out of all targets, from the per-status counts. */
export function campaignProgress(targets: Record<string, number>): { done: number; total: number } {
  const total = Object.values(targets).reduce((a, b) => a + b, 0);
  const done = (targets.done ?? 0) + (targets.skipped ?? 0) + (targets.cancelled ?? 0);
  return { done, total };
}

function CampaignCard({ campaign: c, tactics }: { campaign: Campaign; tactics: Tactic[] }) {
  const qc = useQueryClient();
  const opts = { onSuccess: () => qc.invalidateQueries({ queryKey: ["get", "/api/v1/campaigns"] }) };
  const start = $api.useMutation("post", "/api/v1/campaigns/{campaign_id}/start", opts);
  const pause = $api.useMutation("post", "/api/v1/campaigns/{campaign_id}/pause", opts);
  const resume = $api.useMutation("post", "/api/v1/campaigns/{campaign_id}/resume", opts);
  const cancel = $api.useMutation("post", "/api/v1/campaigns/{campaign_id}/cancel", opts);
  const path = { params: { path: { campaign_id: c.id } } };
  const error = start.error ?? pause.error ?? resume.error ?? cancel.error;
  const { done, total } = campaignProgress(c.targets ?? {});
  const tacticName = tactics.find((t) => t.id === c.tactic_id)?.name ?? null;
  const [showTargets, setShowTargets] = useState(false);
  const why = c.explanation;
  const stuck = why && !["dialing", "finished", "draft", "cancelled"].includes(why.code);
  return (
    <Card
      title={<span className="text-base normal-case tracking-normal text-fg">{c.name}</span>}
      actions={<Badge tone={statusTone(c.status)}>{humanize(c.status)}</Badge>}
    >
      <div className="grid gap-4 md:grid-cols-3">
        <div className="space-y-1 text-sm">
          <div><span className="text-muted">Tactic:</span> {humanize(tacticName ?? "default")}</div>
          <div><span className="text-muted">Window:</span> {c.starts_at || c.ends_at
            ? <>{dateTime(c.starts_at)} → {dateTime(c.ends_at)}</> : "any time (each customer's calling hours apply)"}</div>
          <div><span className="text-muted">Pace:</span> {c.max_concurrency} at once · {c.calls_per_minute}/min</div>
        </div>
        <div className="md:col-span-2">
          {total === 0 && c.status === "draft"
            ? <p className="text-sm text-muted">Customers are chosen from the filter when the campaign starts.</p>
            : <Progress value={done} max={total} label={`${done} of ${total} customers done`} />}
          <div className="mt-3 flex flex-wrap gap-2">
            {Object.entries(c.targets ?? {}).map(([k, v]) => <Badge key={k} tone={k === "done" ? "ok" : k === "in_progress" ? "accent" : "neutral"}>{humanize(k)}: {String(v)}</Badge>)}
          </div>
        </div>
      </div>
      {why && (
        <div role="status" data-testid="campaign-explanation" className={cx("mt-4 flex gap-2 rounded-lg border p-3 text-sm",
          stuck ? "border-warn/40 bg-warn/10" : "border-border bg-surface-2")}>
          <Info className={cx("mt-0.5 h-4 w-4 shrink-0", stuck ? "text-warn" : "text-muted")} aria-hidden />
          <span>{why.message}
            {Object.keys(why.reasons ?? {}).length > 0 && <> Reasons: {Object.entries(why.reasons ?? {}).map(([code, n]) => `${humanize(code)} (${n})`).join(", ")}.</>}
            {why.next_at ? ` ${NEXT_WORDS[why.code] ?? "Next change"}: ${dateTime(why.next_at)}.` : ""}</span>
        </div>
      )}
      {total > 0 && (
        <div className="mt-3">
          <button type="button" className="inline-flex items-center gap-1 text-sm font-medium text-accent hover:underline" aria-expanded={showTargets}
            onClick={() => setShowTargets((v) => !v)}>
            {showTargets ? <ChevronDown className="h-4 w-4" aria-hidden /> : <ChevronRight className="h-4 w-4" aria-hidden />}
            {showTargets ? "Hide targets" : `Show the ${total} targets and the gate's decision for each`}
          </button>
          {showTargets && <Targets campaignId={c.id} />}
        </div>
      )}
      <Can role="supervisor">
        <div className="mt-4 flex flex-wrap gap-2">
          {c.status === "draft" && <Button variant="primary" busy={start.isPending} onClick={() => start.mutate(path)}><Play className="h-4 w-4" /> Start</Button>}
          {c.status === "running" && <Button busy={pause.isPending} onClick={() => pause.mutate(path)}><Pause className="h-4 w-4" /> Pause</Button>}
          {c.status === "paused" && <Button variant="primary" busy={resume.isPending} onClick={() => resume.mutate(path)}><Play className="h-4 w-4" /> Resume</Button>}
          {(c.status === "running" || c.status === "paused" || c.status === "draft") && (
            <Button variant="danger" busy={cancel.isPending} onClick={() => { if (window.confirm(`Cancel "${c.name}"? Calls in progress finish; no new calls start.`)) cancel.mutate(path); }}>
              <Square className="h-4 w-4" /> Cancel
            </Button>
          )}
        </div>
      </Can>
      {error && <p role="alert" className="mt-3 text-sm text-danger">{errorMessage(error)}</p>}
    </Card>
  );
}

/** The campaign's targets, each with its status, attempts, next attempt and the pre-dial gate's decision now. */
function Targets({ campaignId }: { campaignId: string }) {
  const qc = useQueryClient();
  const [after, setAfter] = useState<number[]>([0]);
  const query = $api.useQuery("get", "/api/v1/campaigns/{campaign_id}/targets",
    { params: { path: { campaign_id: campaignId }, query: { after: after[after.length - 1], limit: 25 } } },
    { refetchInterval: 15_000, placeholderData: (p) => p });
  // Fresh targets mean the card's counts and explanation may have moved on too: keep them in step.
  useEffect(() => {
    if (query.dataUpdatedAt) void qc.invalidateQueries({ queryKey: ["get", "/api/v1/campaigns"] });
  }, [query.dataUpdatedAt, qc]);
  return (
    <QueryState query={query} what="the targets">
      {(page) => (
        <div className="mt-3 overflow-x-auto">
          <table className={tableClass} aria-label="Campaign targets">
            <thead><tr>{["Customer", "Status", "Attempts", "Next attempt", "Gate now"].map((h) => <th key={h} className={thClass}>{h}</th>)}</tr></thead>
            <tbody>{page.items.map((t) => (
              <tr key={t.id}>
                <td className={tdClass}><Link className="text-accent hover:underline" to={`/customers/${t.customer_id}`}>{t.customer_name}</Link></td>
                <td className={tdClass}><Badge tone={t.status === "done" ? "ok" : t.status === "in_progress" ? "accent" : "neutral"}>{humanize(t.status)}</Badge>
                  {t.disposition && <div className="mt-1 text-xs text-muted">{humanize(t.disposition)}</div>}</td>
                <td className={`${tdClass} tabular-nums`}>{t.attempts}</td>
                <td className={tdClass}>{t.next_attempt_at ? dateTime(t.next_attempt_at, t.timezone) : t.status === "pending" ? "When dialing reaches it" : "—"}</td>
                <td className={tdClass}>{t.gate_allowed == null ? <span className="text-muted">Finished</span> : t.gate_allowed
                  ? <Badge tone="ok">Allowed</Badge>
                  : <><Badge tone="danger">Blocked: {humanize(t.gate_reason)}</Badge>
                    {t.gate_next_allowed_at && <div className="mt-1 text-xs text-muted">Next allowed {dateTime(t.gate_next_allowed_at, t.timezone)}</div>}</>}</td>
              </tr>
            ))}</tbody>
          </table>
          <div className="mt-2 flex justify-end gap-2">
            <Button disabled={after.length <= 1} onClick={() => setAfter((a) => a.slice(0, -1))}>Previous</Button>
            <Button disabled={page.next_cursor == null} onClick={() => setAfter((a) => [...a, page.next_cursor ?? 0])}>Next</Button>
          </div>
        </div>
      )}
    </QueryState>
  );
}

const LOCAL_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone.replace(/_/g, " ");

function CreateCampaign({ onDone }: { onDone: () => void }) {
  const qc = useQueryClient();
  const tactics = $api.useQuery("get", "/api/v1/tactics");
  const [form, setForm] = useState({ name: "", tactic_id: "", min_days_overdue: "30", min_balance: "", region: "",
    starts_at: "", ends_at: "", max_concurrency: "5", calls_per_minute: "30" });
  const [source, setSource] = useState<"filter" | "csv">("filter");
  const [csvIds, setCsvIds] = useState<string[]>([]);
  const [csvNote, setCsvNote] = useState("");
  const create = $api.useMutation("post", "/api/v1/campaigns", {
    onSuccess: () => { void qc.invalidateQueries({ queryKey: ["get", "/api/v1/campaigns"] }); onDone(); },
  });
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const readCsv = async (file: File | undefined) => {
    if (!file) return;
    const rows = (await file.text()).split(/\r?\n/).map((r) => r.split(",")[0]!.trim()).filter(Boolean);
    const ids = rows.filter((r) => /^[0-9a-f-]{36}$/i.test(r));
    setCsvIds(ids);
    setCsvNote(`${ids.length} customer ids read${rows.length - ids.length > 0 ? `, ${rows.length - ids.length} lines skipped (not a customer id)` : ""}.`);
  };
  const submit = () => {
    const filter = source === "csv" ? { customer_ids: csvIds } : {
      ...(form.min_days_overdue && { min_days_overdue: Number(form.min_days_overdue) }),
      ...(form.min_balance && { min_balance: form.min_balance }),
      ...(form.region && { regions: [form.region.toUpperCase()] }),
    };
    create.mutate({ body: {
      name: form.name, tactic_id: form.tactic_id ? Number(form.tactic_id) : null, customer_filter: filter,
      starts_at: form.starts_at ? new Date(form.starts_at).toISOString() : null,
      ends_at: form.ends_at ? new Date(form.ends_at).toISOString() : null,
      max_concurrency: Number(form.max_concurrency), calls_per_minute: Number(form.calls_per_minute),
    } });
  };
  return (
    <Card title="New campaign" className="mb-6">
      <form className="grid gap-4 md:grid-cols-3" onSubmit={(e) => { e.preventDefault(); submit(); }}>
        <TextField label="Name" required value={form.name} onChange={set("name")} />
        <SelectField label="Tactic" value={form.tactic_id} onChange={set("tactic_id")}>
          <option value="">Default (balanced)</option>
          {[...(tactics.data ?? [])].sort((a, b) => humanize(a.name).localeCompare(humanize(b.name))).map((t) => <option key={t.id} value={t.id}>{humanize(t.name)}</option>)}
        </SelectField>
        <SelectField label="Customers from" value={source} onChange={(e) => setSource(e.target.value as "filter" | "csv")}>
          <option value="filter">A filter</option>
          <option value="csv">A CSV of customer ids</option>
        </SelectField>
        {source === "filter" ? (
          <>
            <TextField label="At least days overdue" type="number" min={0} value={form.min_days_overdue} onChange={set("min_days_overdue")} />
            <TextField label="Minimum balance" type="number" min={0} step="0.01" value={form.min_balance} onChange={set("min_balance")} />
            <TextField label="State / province" placeholder="e.g. NY" maxLength={2} value={form.region} onChange={set("region")} />
          </>
        ) : (
          <label className="block text-sm md:col-span-3">
            <span className="mb-1 block font-medium">CSV file (first column: customer id)</span>
            <input type="file" accept=".csv,text/csv" onChange={(e) => void readCsv(e.target.files?.[0])} className="text-sm" />
            {csvNote && <span className="mt-1 block text-xs text-muted">{csvNote}</span>}
          </label>
        )}
        <TextField label="Window starts" type="datetime-local" value={form.starts_at} onChange={set("starts_at")} hint={`Your time zone (${LOCAL_ZONE}); each customer's calling hours still apply`} />
        <TextField label="Window ends" type="datetime-local" value={form.ends_at} onChange={set("ends_at")} hint={`Your time zone (${LOCAL_ZONE})`} />
        <div className="grid grid-cols-2 gap-2">
          <TextField label="Concurrent calls" type="number" min={1} max={500} value={form.max_concurrency} onChange={set("max_concurrency")} />
          <TextField label="Calls per minute" type="number" min={1} max={6000} value={form.calls_per_minute} onChange={set("calls_per_minute")} />
        </div>
        <div className="flex items-center gap-2 md:col-span-3">
          <Button type="submit" variant="primary" busy={create.isPending}>Create as draft</Button>
          <Button variant="ghost" onClick={onDone}>Cancel</Button>
          {create.error && <span role="alert" className="text-sm text-danger">{errorMessage(create.error)}</span>}
        </div>
      </form>
    </Card>
  );
}
