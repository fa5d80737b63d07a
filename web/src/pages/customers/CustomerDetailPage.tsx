// Customer detail: account facts, compliance timeline (attempts, decisions, disclosures, intents) and their calls.
import { useState } from "react";
import { Link, useParams } from "react-router";
import { ArrowLeft, Ban, CheckCircle2, FileText, MessageSquareWarning, Pencil, PhoneCall } from "lucide-react";
import { $api } from "../../api/client";
import { Can } from "../../auth/Can";
import { CallsTable } from "../../components/CallsTable";
import { Badge, Button, Card, Empty, PageHeader, QueryState, cx } from "../../components/ui";
import { dateTime, humanize, localTimeIn, money } from "../../lib/format";
import { useLiveLists } from "../../lib/useLiveLists";
import { CustomerForm } from "./CustomerForm";
import { FlagBadges, FlagTable } from "./flags";

export function CustomerDetailPage() {
  const { customerId = "" } = useParams();
  const path = { params: { path: { customer_id: customerId } } };
  const customer = $api.useQuery("get", "/api/v1/customers/{customer_id}", path);
  const timeline = $api.useQuery("get", "/api/v1/customers/{customer_id}/compliance", path);
  const [editing, setEditing] = useState(false);
  const { connected } = useLiveLists();
  const calls = $api.useQuery("get", "/api/v1/calls", { params: { query: { customer_id: customerId, limit: 10 } } },
    { refetchInterval: connected ? false : 15_000 });
  return (
    <>
      <Link to="/customers" className="mb-3 inline-flex items-center gap-1 text-sm text-muted hover:text-fg"><ArrowLeft className="h-4 w-4" /> Customers</Link>
      <QueryState query={customer} what="the customer">
        {(c) => (
          <>
            <PageHeader title={`${c.first_name} ${c.last_name}`} subtitle={<span className="font-mono">{c.phone}</span>}
              actions={<>
                <FlagBadges flags={c.flags ?? []} />
                {!editing && <Can role="admin"><Button onClick={() => setEditing(true)}><Pencil className="h-4 w-4" aria-hidden /> Edit customer</Button></Can>}
              </>} />
            {editing && <CustomerForm customer={c} onDone={() => setEditing(false)} />}
            <Card title="Compliance flags" className="mb-6"><FlagTable flags={c.flags ?? []} /></Card>
            <div className="grid gap-6 xl:grid-cols-3">
              <Card title="Account">
                <dl className="grid grid-cols-2 gap-3 text-sm">
                  <div><dt className="text-xs uppercase text-muted">Balance</dt><dd className="text-lg font-semibold">{money(c.balance)}</dd></div>
                  <div><dt className="text-xs uppercase text-muted">Days overdue</dt><dd className="text-lg font-semibold">{c.days_overdue}</dd></div>
                  <div><dt className="text-xs uppercase text-muted">Account</dt><dd className="font-mono">••{c.account_last_4}</dd></div>
                  <div><dt className="text-xs uppercase text-muted">Postal code</dt><dd>{c.postal_code}</dd></div>
                  <div><dt className="text-xs uppercase text-muted">Local time</dt><dd>{localTimeIn(c.timezone)}{c.timezone && <span className="block text-xs text-muted">{c.timezone.replace(/_/g, " ")}</span>}</dd></div>
                  <div><dt className="text-xs uppercase text-muted">Region</dt><dd>{c.region ?? "—"}, {c.country}</dd></div>
                  <div><dt className="text-xs uppercase text-muted">Phone type</dt><dd>{humanize(c.phone_type)}</dd></div>
                  <div><dt className="text-xs uppercase text-muted">Consent to call</dt><dd>{c.consent_revoked_at
                    ? <>Revoked {dateTime(c.consent_revoked_at)}</>
                    : c.consent_source ? <>{humanize(c.consent_source)}{c.consent_recorded_at && <span className="block text-xs text-muted">since {dateTime(c.consent_recorded_at)}</span>}</> : "Not recorded"}</dd></div>
                </dl>
              </Card>
              <Card title="Compliance timeline" className="xl:col-span-2">
                <QueryState query={timeline} what="the compliance timeline">
                  {(r) => r.items.length === 0 ? <Empty>Nothing recorded yet: no dial attempts, disclosures or requests.</Empty> : (
                    <ol className="relative space-y-4 border-l border-border pl-6" aria-label="Compliance timeline">
                      {r.items.map((e, i) => (
                        <li key={i} className="relative">
                          <span className={cx("absolute -left-[31px] flex h-6 w-6 items-center justify-center rounded-full border bg-surface",
                            e.kind === "attempt" && e.decision === "deny" ? "border-danger text-danger" : "border-accent text-accent")}>
                            <KindIcon kind={e.kind} decision={e.decision} />
                          </span>
                          <div className="flex flex-wrap items-center gap-2 text-sm">
                            <span className="font-medium">{humanize(e.kind === "attempt" ? `dial ${e.decision}` : e.category ?? e.kind)}</span>
                            <Badge tone={e.decision === "deny" || e.category === "guard_block" ? "danger" : "neutral"}>{humanize(e.code)}</Badge>
                            <time className="text-xs text-muted" dateTime={e.at}>{dateTime(e.at)}</time>
                          </div>
                          {e.call_id && <Link to={`/calls/${e.call_id}`} className="text-xs text-accent hover:underline">Open call</Link>}
                        </li>
                      ))}
                    </ol>
                  )}
                </QueryState>
              </Card>
            </div>
            <Card title="Calls" className="mt-6">
              <QueryState query={calls} what="calls">{(d) => <CallsTable calls={d.items} empty="This customer has not been called yet." />}</QueryState>
            </Card>
          </>
        )}
      </QueryState>
    </>
  );
}

function KindIcon({ kind, decision }: { kind: string; decision?: string | null }) {
  if (kind === "attempt") return decision === "deny" ? <Ban className="h-3 w-3" /> : <PhoneCall className="h-3 w-3" />;
  if (kind === "disclosure") return <FileText className="h-3 w-3" />;
  if (kind === "intent") return <MessageSquareWarning className="h-3 w-3" />;
  return <CheckCircle2 className="h-3 w-3" />;
}
