// Compliance: the DNC list (add/remove for admins), the active collection policy, recent guard blocks and intents.
import { useState } from "react";
import { Link } from "react-router";
import { useQueryClient } from "@tanstack/react-query";
import { $api, errorMessage } from "../../api/client";
import { Can } from "../../auth/Can";
import { Badge, Button, Card, Empty, PageHeader, QueryState, TextField, tableClass, tdClass, thClass } from "../../components/ui";
import { dateTime, humanize, money } from "../../lib/format";

export function CompliancePage() {
  return (
    <>
      <PageHeader title="Compliance" subtitle="Who must never be called, the rules negotiations stay within, and what the guard stopped." />
      <div className="grid gap-6 xl:grid-cols-2">
        <PolicyCard />
        <DncCard />
      </div>
      <RecentEvents />
    </>
  );
}

function PolicyCard() {
  const query = $api.useQuery("get", "/api/v1/policy");
  return (
    <Card title="Active collection policy" guide="compliance-policy">
      <QueryState query={query} what="the policy">
        {(p) => (
          <>
            <div className="mb-4 flex flex-wrap items-center gap-2">
              <span className="text-lg font-semibold">{humanize(p.name)}</span>
              <Badge tone="ok">Active</Badge>
            </div>
            <dl className="grid grid-cols-2 gap-3 text-sm">
              <div><dt className="text-xs uppercase text-muted">Approved by</dt><dd>{p.approved_by ?? "Not recorded"}</dd></div>
              <div><dt className="text-xs uppercase text-muted">Effective from</dt><dd>{p.effective_from}</dd></div>
              <div><dt className="text-xs uppercase text-muted">Settlement floor</dt><dd>{p.settlement_floor_pct}% of balance</dd></div>
              <div><dt className="text-xs uppercase text-muted">Opening anchor</dt><dd>{p.settlement_anchor_pct}%</dd></div>
              <div><dt className="text-xs uppercase text-muted">Plan lengths</dt><dd>{p.plan_lengths.join(", ")} months (max {p.max_plan_months})</dd></div>
              <div><dt className="text-xs uppercase text-muted">Minimum instalment</dt><dd>{money(p.min_instalment)}</dd></div>
              <div><dt className="text-xs uppercase text-muted">Hardship deferral</dt><dd>{p.hardship_deferral_days} days</dd></div>
              <div><dt className="text-xs uppercase text-muted">Negotiation step</dt><dd>{p.negotiation_step_pct}%</dd></div>
            </dl>
          </>
        )}
      </QueryState>
    </Card>
  );
}

function DncCard() {
  const qc = useQueryClient();
  const query = $api.useQuery("get", "/api/v1/compliance/dnc");
  const [phone, setPhone] = useState("");
  const [reason, setReason] = useState("");
  const refresh = () => qc.invalidateQueries({ queryKey: ["get", "/api/v1/compliance/dnc"] });
  const add = $api.useMutation("post", "/api/v1/compliance/dnc", { onSuccess: () => { setPhone(""); setReason(""); void refresh(); } });
  const remove = $api.useMutation("delete", "/api/v1/compliance/dnc/{entry_id}", { onSuccess: () => void refresh() });
  return (
    <Card title="Do-not-call list" guide="compliance-dnc">
      <Can role="admin">
        <form className="mb-4 grid gap-2 sm:grid-cols-[1fr_1fr_auto] sm:items-end" onSubmit={(e) => { e.preventDefault(); add.mutate({ body: { phone, reason } }); }}>
          <TextField label="Phone number" required placeholder="+1 212 555 0101" value={phone} onChange={(e) => setPhone(e.target.value)} />
          <TextField label="Reason" value={reason} onChange={(e) => setReason(e.target.value)} />
          <Button type="submit" variant="primary" busy={add.isPending}>Add</Button>
        </form>
        {(add.error || remove.error) && <p role="alert" className="mb-3 text-sm text-danger">{errorMessage(add.error ?? remove.error)}</p>}
      </Can>
      <QueryState query={query} what="the DNC list">
        {(d) => d.length === 0 ? <Empty>The list is empty.</Empty> : (
          <div className="max-h-80 overflow-y-auto">
            <table className={tableClass}>
              <thead><tr>{["Phone", "Source", "Reason", "Added"].map((h) => <th key={h} className={thClass}>{h}</th>)}<th className={thClass}><span className="sr-only">Actions</span></th></tr></thead>
              <tbody>{d.map((e) => (
                <tr key={e.id}>
                  <td className={`${tdClass} font-mono text-xs`}>{e.phone}</td>
                  <td className={tdClass}>{humanize(e.source)}</td>
                  <td className={tdClass}>{e.reason || "—"}</td>
                  <td className={tdClass}>{dateTime(e.created_at)}</td>
                  <td className={tdClass}>
                    <Can role="admin"><Button variant="ghost" aria-label={`Remove ${e.phone}`} onClick={() => { if (window.confirm(`Remove ${e.phone} from the do-not-call list?`)) remove.mutate({ params: { path: { entry_id: e.id } } }); }}>Remove</Button></Can>
                  </td>
                </tr>
              ))}</tbody>
            </table>
          </div>
        )}
      </QueryState>
    </Card>
  );
}

function RecentEvents() {
  const query = $api.useQuery("get", "/api/v1/compliance/events", { params: { query: { category: ["guard_block", "intent"], limit: 50 } } });
  return (
    <Card title="Recent guard blocks and intents" className="mt-6" guide="compliance-guard">
      <QueryState query={query} what="compliance events">
        {(r) => r.items.length === 0 ? <Empty>No guard blocks or customer intents recorded yet.</Empty> : (
          <table className={tableClass} aria-label="Recent guard blocks and intents">
            <thead><tr>{["When", "Kind", "What", "Customer", "Call"].map((h) => <th key={h} className={thClass}>{h}</th>)}</tr></thead>
            <tbody>{r.items.map((e) => (
              <tr key={e.id}>
                <td className={tdClass}>{dateTime(e.occurred_at)}</td>
                <td className={tdClass}><Badge tone={e.category === "guard_block" ? "danger" : "warn"}>{humanize(e.category)}</Badge></td>
                <td className={tdClass}>{humanize(e.code)}</td>
                <td className={tdClass}>{e.customer_id ? <Link className="text-accent hover:underline" to={`/customers/${e.customer_id}`}>{e.customer_name ?? "Open"}</Link> : "—"}</td>
                <td className={tdClass}>{e.call_id ? <Link className="text-accent hover:underline" to={`/calls/${e.call_id}`}>Open</Link> : "—"}</td>
              </tr>
            ))}</tbody>
          </table>
        )}
      </QueryState>
    </Card>
  );
}
