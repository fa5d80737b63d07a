// A list of compliance events taken from call records, newest first, each linking to its call.
import { Link } from "react-router";
import type { CallEvent } from "../lib/callEvents";
import { dateTime, humanize } from "../lib/format";
import { Badge, Empty, ErrorState, Loading, tableClass, tdClass, thClass } from "./ui";

export function CallEventsList({ events, pending, error, empty, showCustomer = true }: {
  events: CallEvent[]; pending: boolean; error: unknown; empty: string; showCustomer?: boolean;
}) {
  if (pending && events.length === 0) return <Loading what="compliance events" />;
  if (error) return <ErrorState error={error} what="compliance events" />;
  if (events.length === 0) return <Empty>{empty}</Empty>;
  return (
    <div className="max-h-96 overflow-y-auto">
      <table className={tableClass} aria-label="Compliance events">
        <thead><tr>{["When", "Kind", "What", ...(showCustomer ? ["Customer"] : []), "Call"].map((h) => <th key={h} className={thClass}>{h}</th>)}</tr></thead>
        <tbody>{events.map((e) => (
          <tr key={`${e.call_id}-${e.id}`}>
            <td className={tdClass}>{dateTime(e.occurred_at)}</td>
            <td className={tdClass}><Badge tone={e.category === "guard_block" ? "danger" : e.category === "intent" ? "warn" : "neutral"}>{humanize(e.category)}</Badge></td>
            <td className={tdClass}>{humanize(e.code)}</td>
            {showCustomer && <td className={tdClass}>{e.customer_id ? <Link className="text-accent hover:underline" to={`/customers/${e.customer_id}`}>{e.customer_name ?? "Open"}</Link> : "—"}</td>}
            <td className={tdClass}><Link className="text-accent hover:underline" to={`/calls/${e.call_id}`}>Open call</Link></td>
          </tr>
        ))}</tbody>
      </table>
    </div>
  );
}
