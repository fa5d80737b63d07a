// One tactic: view, edit (admin) or create its four dimensions with a live prompt preview; versions; performance.
import { useEffect, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { useQueryClient } from "@tanstack/react-query";
import { ArrowLeft, Pencil } from "lucide-react";
import { $api, errorMessage } from "../../api/client";
import { Can, useCan } from "../../auth/Can";
import { WeeklyChart } from "../../components/charts";
import { Badge, Button, Card, Empty, PageHeader, QueryState, SelectField, Stat, TextField, tableClass, tdClass, thClass } from "../../components/ui";
import { WindowPicker } from "../../components/WindowPicker";
import { dateTime, humanize, money, pct } from "../../lib/format";
import { useReportingWindow } from "../../lib/reportingWindow";
import { DIMENSIONS, type TacticConfig } from "./dimensions";
import { PromptPreview } from "./PromptPreview";

const ARCHETYPES = ["aggressive", "empathetic", "balanced", "stern", "custom"] as const;
type Archetype = (typeof ARCHETYPES)[number];

export function DimensionSliders({ config, onChange, disabled }: {
  config: TacticConfig; onChange: (c: TacticConfig) => void; disabled?: boolean;
}) {
  return (
    <div className="space-y-5">
      {DIMENSIONS.map((d) => (
        <div key={d.key}>
          <div className="mb-1 flex justify-between text-sm">
            <label htmlFor={`dim-${d.key}`} className="font-medium">{d.label}</label>
            <span className="tabular-nums text-accent" aria-hidden>{config[d.key]}/10</span>
          </div>
          <input id={`dim-${d.key}`} type="range" min={1} max={10} step={1} value={config[d.key]} disabled={disabled}
            aria-valuetext={`${config[d.key]} of 10`} className="w-full"
            onChange={(e) => onChange({ ...config, [d.key]: Number(e.target.value) })} />
          <div className="flex justify-between text-xs text-muted"><span>{d.low}</span><span>{d.high}</span></div>
        </div>
      ))}
    </div>
  );
}

export function TacticEditorPage() {
  const { tacticId } = useParams();
  return tacticId ? <ExistingTactic id={Number(tacticId)} /> : <NewTactic />;
}

function NewTactic() {
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [name, setName] = useState("");
  const [archetype, setArchetype] = useState<Archetype>("custom");
  const [description, setDescription] = useState("");
  const [config, setConfig] = useState<TacticConfig>({ urgency: 5, empathy: 5, persistence: 5, authority: 5 });
  const create = $api.useMutation("post", "/api/v1/tactics", {
    onSuccess: (t) => {
      void qc.invalidateQueries({ queryKey: ["get", "/api/v1/tactics"] });
      navigate(`/tactics/${t.id}`);
    },
  });
  if (!useCan("admin")) return <><PageHeader title="New tactic" /><Empty>Only administrators can create tactics.</Empty></>;
  return (
    <>
      <Link to="/tactics" className="mb-3 inline-flex items-center gap-1 text-sm text-muted hover:text-fg"><ArrowLeft className="h-4 w-4" /> Tactics</Link>
      <PageHeader title="New tactic" subtitle="Set the four dimensions; the preview shows what the agent will be told." />
      <form className="grid gap-6 lg:grid-cols-2" onSubmit={(e) => { e.preventDefault(); create.mutate({ body: { name, archetype, description, config } }); }}>
        <Card title="Profile">
          <div className="space-y-4">
            <TextField label="Name" required pattern="[a-z][a-z0-9_]{1,62}" value={name} onChange={(e) => setName(e.target.value)}
              hint="Lower case letters, digits and underscores, e.g. gentle_reminder" />
            <SelectField label="Archetype" value={archetype} onChange={(e) => setArchetype(e.target.value as Archetype)}>
              {[...ARCHETYPES].sort().map((a) => <option key={a} value={a}>{humanize(a)}</option>)}
            </SelectField>
            <TextField label="Description" value={description} onChange={(e) => setDescription(e.target.value)} />
            <DimensionSliders config={config} onChange={setConfig} />
            {create.error && <p role="alert" className="text-sm text-danger">Could not create the tactic: {errorMessage(create.error)}</p>}
            <Button type="submit" variant="primary" busy={create.isPending}>Create tactic</Button>
          </div>
        </Card>
        <Card title="Prompt preview"><PromptPreview config={config} name={name || "new_tactic"} /></Card>
      </form>
    </>
  );
}

function ExistingTactic({ id }: { id: number }) {
  const qc = useQueryClient();
  const query = $api.useQuery("get", "/api/v1/tactics/{tactic_id}", { params: { path: { tactic_id: id } } });
  const versions = $api.useQuery("get", "/api/v1/tactics/{tactic_id}/versions", { params: { path: { tactic_id: id } } });
  const [days, setDays] = useReportingWindow();
  const perf = $api.useQuery("get", "/api/v1/tactics/{tactic_id}/performance",
    { params: { path: { tactic_id: id }, query: { period: "week", days } } }, { placeholderData: (p) => p });
  const [editing, setEditing] = useState(false);
  const [config, setConfig] = useState<TacticConfig | null>(null);
  const [description, setDescription] = useState("");
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (query.data && !editing) {
      setConfig(query.data.config as TacticConfig);
      setDescription(query.data.description);
    }
  }, [query.data, editing]);
  const update = $api.useMutation("patch", "/api/v1/tactics/{tactic_id}", {
    onSuccess: () => {
      setEditing(false);
      setSaved(true);
      void qc.invalidateQueries({ queryKey: ["get", "/api/v1/tactics/{tactic_id}"] });
      void qc.invalidateQueries({ queryKey: ["get", "/api/v1/tactics/{tactic_id}/versions"] });
      void qc.invalidateQueries({ queryKey: ["get", "/api/v1/tactics"] });
    },
  });

  return (
    <>
      <Link to="/tactics" className="mb-3 inline-flex items-center gap-1 text-sm text-muted hover:text-fg"><ArrowLeft className="h-4 w-4" /> Tactics</Link>
      <QueryState query={query} what="the tactic">
        {(t) => (
          <>
            <PageHeader
              title={humanize(t.name)}
              subtitle={<>{humanize(t.archetype)} · version {t.version} · updated {dateTime(t.updated_at)}</>}
              actions={!editing && (
                <Can role="admin">
                  <Button variant="primary" onClick={() => { setSaved(false); setEditing(true); }}><Pencil className="h-4 w-4" /> Edit tactic</Button>
                </Can>
              )}
            />
            {saved && <p role="status" className="mb-4 rounded-lg border border-ok/40 bg-ok/10 px-4 py-2 text-sm text-ok">Saved as version {t.version}.</p>}
            <div className="grid gap-6 lg:grid-cols-2">
              <Card title="Dimensions">
                {config && (
                  <form onSubmit={(e) => { e.preventDefault(); update.mutate({ params: { path: { tactic_id: id } }, body: { config, description } }); }}>
                    <DimensionSliders config={config} onChange={setConfig} disabled={!editing} />
                    {editing && (
                      <div className="mt-5 space-y-4">
                        <TextField label="Description" value={description} onChange={(e) => setDescription(e.target.value)} />
                        {update.error && <p role="alert" className="text-sm text-danger">Could not save: {errorMessage(update.error)}</p>}
                        <div className="flex gap-2">
                          <Button type="submit" variant="primary" busy={update.isPending}>Save new version</Button>
                          <Button variant="ghost" onClick={() => { setEditing(false); setConfig(t.config as TacticConfig); }}>Cancel</Button>
                        </div>
                      </div>
                    )}
                  </form>
                )}
              </Card>
              <Card title="Prompt preview">{config && <PromptPreview config={config} name={t.name} />}</Card>
            </div>
            <Card title={`Performance by week, last ${days} days`} className="mt-6" actions={<WindowPicker days={days} onChange={setDays} />}>
              <QueryState query={perf} what="performance">
                {(p) => (
                  <>
                    <p className="mb-3 text-xs text-muted">Since {p.since} (UTC weeks starting Monday). Rates are shown beside the number of calls they come from.</p>
                    <div className="grid grid-cols-2 gap-4 md:grid-cols-5">
                      <Stat label="Calls" value={p.totals.calls} />
                      <Stat label="Right-party contact" value={pct(p.totals.right_party_rate)} hint={`of ${p.totals.calls} calls`} />
                      <Stat label="Verified" value={pct(p.totals.verification_rate)} hint={`of ${p.totals.right_party_contacts} contacts`} />
                      <Stat label="Promise to pay" value={pct(p.totals.promise_to_pay_rate)} tone="ok" hint={`of ${p.totals.right_party_contacts} contacts`} />
                      <Stat label="Avg arrangement" value={money(p.totals.average_arrangement_amount)} hint={`${p.totals.arrangements} arrangements`} />
                    </div>
                    <div className="mt-4"><WeeklyChart data={p.periods.map((w) => ({ week: w.period_start, calls: w.calls,
                      success: w.success_rate == null ? null : Math.round(w.success_rate * 1000) / 10,
                      ptp: w.promise_to_pay_rate == null ? null : Math.round(w.promise_to_pay_rate * 1000) / 10 }))} /></div>
                    {p.periods.length > 0 && (
                      <table className={`${tableClass} mt-4`} aria-label="Performance by week">
                        <thead><tr>{["Week of", "Calls", "Right-party", "Promise to pay", "Success"].map((h) => <th key={h} className={thClass}>{h}</th>)}</tr></thead>
                        <tbody>{p.periods.map((w) => (
                          <tr key={w.period_start} className="tabular-nums">
                            <td className={tdClass}>{w.period_start}</td>
                            <td className={tdClass}>{w.calls}</td>
                            <td className={tdClass}>{pct(w.right_party_rate)} <span className="text-xs text-muted">of {w.calls}</span></td>
                            <td className={tdClass}>{pct(w.promise_to_pay_rate)} <span className="text-xs text-muted">of {w.right_party_contacts}</span></td>
                            <td className={tdClass}>{pct(w.success_rate)} <span className="text-xs text-muted">of {w.connected}</span></td>
                          </tr>
                        ))}</tbody>
                      </table>
                    )}
                    {p.versions.length > 0 && (
                      <table className={`${tableClass} mt-4`} aria-label="Performance by version">
                        <thead><tr>{["Version", "Calls", "Right-party", "Promise to pay", "Success"].map((h) => <th key={h} className={thClass}>{h}</th>)}</tr></thead>
                        <tbody>{p.versions.map((v) => (
                          <tr key={v.version ?? "none"} className="tabular-nums">
                            <td className={tdClass}>{v.version != null ? `v${v.version}` : "not recorded"}</td>
                            <td className={tdClass}>{v.calls}</td>
                            <td className={tdClass}>{pct(v.right_party_rate)} <span className="text-xs text-muted">of {v.calls}</span></td>
                            <td className={tdClass}>{pct(v.promise_to_pay_rate)} <span className="text-xs text-muted">of {v.right_party_contacts}</span></td>
                            <td className={tdClass}>{pct(v.success_rate)} <span className="text-xs text-muted">of {v.connected}</span></td>
                          </tr>
                        ))}</tbody>
                      </table>
                    )}
                  </>
                )}
              </QueryState>
            </Card>
            <Card title="Version history" className="mt-6">
              <QueryState query={versions} what="versions">
                {(v) => v.length === 0 ? <Empty>No earlier versions.</Empty> : (
                  <table className={tableClass} aria-label="Version history">
                    <thead><tr>{["Version", "Urgency", "Empathy", "Persistence", "Authority", "By", "When"].map((h) => <th key={h} className={thClass}>{h}</th>)}</tr></thead>
                    <tbody>
                      {v.map((row) => (
                        <tr key={row.version}>
                          <td className={tdClass}><Badge tone={row.version === t.version ? "accent" : "neutral"}>v{row.version}</Badge></td>
                          {DIMENSIONS.map((d) => <td key={d.key} className={`${tdClass} tabular-nums`}>{String(row.config[d.key] ?? "—")}</td>)}
                          <td className={tdClass}>{row.created_by ?? "seed"}</td>
                          <td className={tdClass}>{dateTime(row.created_at)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </QueryState>
            </Card>
          </>
        )}
      </QueryState>
    </>
  );
}
