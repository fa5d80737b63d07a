// A table of calls (dashboard's recent calls, the calls list, a customer's calls) linking to call detail.
import { Link } from "react-router";
import { Badge, Empty, tableClass, tdClass, thClass } from "./ui";
import { dateTime, duration, humanize, isLive, outcomeTone, statusTone } from "../lib/format";

export interface CallRow {
  id: string;
  started_at: string;
  status: string;
  outcome?: string | null;
  call_type?: string;
  customer_name?: string | null;
  to_number?: string | null;
  tactic_name?: string | null;
  duration_s?: number | null;
}

export function CallsTable({ calls, empty = "No calls yet." }: { calls: CallRow[]; empty?: string }) {
  if (calls.length === 0) return <Empty>{empty}</Empty>;
  return (
    <div className="overflow-x-auto">
      <table className={tableClass}>
        <thead>
          <tr>
            <th className={thClass}>Started</th>
            <th className={thClass}>Customer</th>
            <th className={thClass}>Tactic</th>
            <th className={thClass}>Status</th>
            <th className={thClass}>Outcome</th>
            <th className={`${thClass} text-right`}>Duration</th>
          </tr>
        </thead>
        <tbody>
          {calls.map((c) => (
            <tr key={c.id} className="hover:bg-surface-2/60">
              <td className={tdClass}>
                <Link to={`/calls/${c.id}`} className="font-medium text-accent hover:underline">{dateTime(c.started_at)}</Link>
                {c.call_type && <div className="text-xs text-muted">{humanize(c.call_type)}</div>}
              </td>
              <td className={tdClass}>
                <div>{c.customer_name ?? "Unknown"}</div>
                {c.to_number && <div className="font-mono text-xs text-muted">{c.to_number}</div>}
              </td>
              <td className={tdClass}>{humanize(c.tactic_name)}</td>
              <td className={tdClass}>
                <Badge tone={statusTone(c.status)}>{isLive(c.status) && <span className="h-1.5 w-1.5 animate-pulse rounded-full bg-current" />}{humanize(c.status)}</Badge>
              </td>
              <td className={tdClass}>{c.outcome ? <Badge tone={outcomeTone(c.outcome)}>{humanize(c.outcome)}</Badge> : <span className="text-muted">—</span>}</td>
              <td className={`${tdClass} text-right tabular-nums`}>{duration(c.duration_s)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
