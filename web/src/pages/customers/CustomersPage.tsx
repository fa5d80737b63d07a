// Customers: search as you type (name, phone in any format, account last four), keyset pages, each customer's
// flags with dates; add a customer or import a CSV (administrators).
import { useState } from "react";
import { Link, useNavigate } from "react-router";
import { $api } from "../../api/client";
import { Can, useCan } from "../../auth/Can";
import { Button, Card, Empty, ErrorState, Loading, PageHeader, TextField, tableClass, tdClass, thClass } from "../../components/ui";
import { money } from "../../lib/format";
import { useDebounced } from "../../lib/useDebounced";
import { CustomerForm } from "./CustomerForm";
import { ImportCustomers } from "./ImportCustomers";
import { FlagBadges } from "./flags";

export function CustomersPage() {
  const navigate = useNavigate();
  const numbers = useCan("supervisor");  // viewers see numbers masked, so they search by name only
  const [q, setQ] = useState("");
  const search = useDebounced(q.trim(), 300);
  const [cursors, setCursors] = useState<{ search: string; stack: (string | undefined)[] }>({ search: "", stack: [undefined] });
  // A new search starts at the first page.
  const stack = cursors.search === search ? cursors.stack : [undefined];
  const [panel, setPanel] = useState<"none" | "import" | "add">("none");
  const query = $api.useQuery("get", "/api/v1/customers", { params: { query: { search: search || undefined, cursor: stack[stack.length - 1], limit: 25 } } },
    { placeholderData: (prev) => prev });
  const toggle = (p: "import" | "add") => setPanel((cur) => (cur === p ? "none" : p));
  return (
    <>
      <PageHeader title="Customers" subtitle="Accounts Archer may contact, with their compliance flags."
        actions={<Can role="admin">
          <Button onClick={() => toggle("add")} aria-expanded={panel === "add"}>{panel === "add" ? "Close" : "Add customer"}</Button>
          <Button onClick={() => toggle("import")} aria-expanded={panel === "import"}>{panel === "import" ? "Close import" : "Import CSV"}</Button>
        </Can>} />
      {panel === "import" && <ImportCustomers />}
      {panel === "add" && <CustomerForm onDone={(id) => { setPanel("none"); if (id) navigate(`/customers/${id}`); }} />}
      <Card guide="customers-table">
        <form role="search" className="mb-4 max-w-md" onSubmit={(e) => e.preventDefault()}>
          <TextField label="Search" type="search" placeholder={numbers ? "Name, phone (any format) or account last four" : "Name"} value={q}
            onChange={(e) => setQ(e.target.value)} hint="Results update as you type." />
        </form>
        {query.isPending ? <Loading what="customers" /> : query.error ? <ErrorState error={query.error} what="customers" onRetry={() => query.refetch()} /> :
          query.data.items.length === 0 ? <Empty>No customers match{search ? ` “${search}”` : ""}.</Empty> : (
          <>
            <div className="overflow-x-auto" aria-busy={query.isFetching || q.trim() !== search}>
              <table className={tableClass} aria-label="Customers">
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
                      <td className={tdClass}><FlagBadges flags={c.flags ?? []} /></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div className="mt-4 flex justify-end gap-2">
              <Button disabled={stack.length <= 1} onClick={() => setCursors({ search, stack: stack.slice(0, -1) })}>Previous</Button>
              <Button disabled={!query.data.next_cursor} onClick={() => setCursors({ search, stack: [...stack, query.data?.next_cursor ?? undefined] })}>Next</Button>
            </div>
          </>
        )}
      </Card>
    </>
  );
}
