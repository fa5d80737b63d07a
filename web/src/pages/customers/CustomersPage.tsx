// Customers: searchable, keyset-paginated list; CSV import for administrators.
import { useState } from "react";
import { Link } from "react-router";
import { $api } from "../../api/client";
import { Can } from "../../auth/Can";
import { Badge, Button, Card, Empty, ErrorState, Loading, PageHeader, TextField, tableClass, tdClass, thClass } from "../../components/ui";
import { money } from "../../lib/format";
import { ImportCustomers } from "./ImportCustomers";
import { BLOCKING, customerFlags } from "./flags";

export function CustomersPage() {
  const [q, setQ] = useState("");
  const [search, setSearch] = useState("");
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [importing, setImporting] = useState(false);
  const query = $api.useQuery("get", "/api/v1/customers", { params: { query: { search: search || undefined, cursor: cursors[cursors.length - 1], limit: 25 } } },
    { placeholderData: (prev) => prev });
  return (
    <>
      <PageHeader title="Customers" subtitle="Accounts Archer may contact, with their compliance flags."
        actions={<Can role="admin"><Button onClick={() => setImporting((v) => !v)}>{importing ? "Close import" : "Import CSV"}</Button></Can>} />
      {importing && <ImportCustomers />}
      <Card>
        <form role="search" className="mb-4 max-w-md" onSubmit={(e) => { e.preventDefault(); setSearch(q); setCursors([undefined]); }}>
          <TextField label="Search by name" value={q} onChange={(e) => setQ(e.target.value)} />
        </form>
        {query.isPending ? <Loading what="customers" /> : query.error ? <ErrorState error={query.error} what="customers" onRetry={() => query.refetch()} /> :
          query.data.items.length === 0 ? <Empty>No customers match.</Empty> : (
          <>
            <div className="overflow-x-auto">
              <table className={tableClass}>
                <thead><tr>{["Name", "Phone", "Account", "Balance", "Days overdue", "Region", "Flags"].map((h) => <th key={h} className={thClass}>{h}</th>)}</tr></thead>
                <tbody>
                  {query.data.items.map((c) => (
                    <tr key={c.id} className="hover:bg-surface-2/60">
                      <td className={tdClass}><Link className="font-medium text-accent hover:underline" to={`/customers/${c.id}`}>{c.first_name} {c.last_name}</Link></td>
                      <td className={`${tdClass} font-mono text-xs`}>{c.phone}</td>
                      <td className={`${tdClass} font-mono text-xs`}>••{c.account_last_4}</td>
                      <td className={`${tdClass} tabular-nums`}>{money(c.balance)}</td>
                      <td className={`${tdClass} tabular-nums`}>{c.days_overdue}</td>
                      <td className={tdClass}>{c.region ?? "—"}, {c.country}</td>
                      <td className={tdClass}><Flags flags={customerFlags(c)} /></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div className="mt-4 flex justify-end gap-2">
              <Button disabled={cursors.length <= 1} onClick={() => setCursors((c) => c.slice(0, -1))}>Previous</Button>
              <Button disabled={!query.data.next_cursor} onClick={() => setCursors((c) => [...c, query.data?.next_cursor ?? undefined])}>Next</Button>
            </div>
          </>
        )}
      </Card>
    </>
  );
}

export function Flags({ flags }: { flags: string[] }) {
  if (flags.length === 0) return <span className="text-muted">—</span>;
  return <div className="flex flex-wrap gap-1">{flags.map((f) => <Badge key={f} tone={BLOCKING.has(f) ? "danger" : "warn"}>{f}</Badge>)}</div>;
}
