// A customer's compliance and handling flags (DNC, cease, attorney, bankruptcy, dispute, sensitive handling,
// language ...) as the API reports them: what, since when, from where. Wording comes from lib/labels.
import { Link } from "react-router";
import type { components } from "../../api/schema";
import { Badge, tableClass, tdClass, thClass } from "../../components/ui";
import { day, dateTime } from "../../lib/format";
import { label } from "../../lib/labels";

export type Flag = components["schemas"]["FlagOut"];

const LANGUAGES: Record<string, string> = { es: "Spanish", fr: "French", zh: "Chinese", vi: "Vietnamese" };

/** The flag's words, with its detail where it is the point (the language itself). */
export function flagText(f: Flag): string {
  if (f.code === "language" && f.detail) return `Speaks ${LANGUAGES[f.detail.toLowerCase()] ?? f.detail}`;
  return label(f.code);
}

/** Compact badges for lists: the flag and since when; the source in the tooltip and for screen readers. */
export function FlagBadges({ flags }: { flags: Flag[] }) {
  if (flags.length === 0) return <span className="text-muted">—</span>;
  return (
    <ul className="flex flex-wrap gap-1" aria-label="Flags">
      {flags.map((f) => (
        <li key={f.code} title={`${flagText(f)}${f.since ? ` since ${dateTime(f.since)}` : ""} · ${f.source}`}>
          <Badge tone={f.blocking ? "danger" : "warn"}>
            {flagText(f)}{f.since && <span className="font-normal"> · {day(f.since)}</span>}
            <span className="sr-only"> ({f.source})</span>
          </Badge>
        </li>
      ))}
    </ul>
  );
}

/** The full table for the customer page: flag, since (with zone), source, detail, the call it came from. */
export function FlagTable({ flags }: { flags: Flag[] }) {
  if (flags.length === 0) return <p className="text-sm text-muted">No flags: nothing on record stops or changes collection calls.</p>;
  return (
    <table className={tableClass} aria-label="Compliance flags">
      <thead><tr>{["Flag", "Since", "Source", "Detail"].map((h) => <th key={h} className={thClass}>{h}</th>)}</tr></thead>
      <tbody>
        {flags.map((f) => (
          <tr key={f.code}>
            <td className={tdClass}><Badge tone={f.blocking ? "danger" : "warn"}>{flagText(f)}</Badge>
              {f.blocking && <div className="mt-1 text-xs text-muted">Stops collection calls</div>}</td>
            <td className={tdClass}>{f.since ? <time dateTime={f.since}>{dateTime(f.since)}</time> : "—"}</td>
            <td className={tdClass}>{f.source}{f.call_id && <> · <Link className="text-accent hover:underline" to={`/calls/${f.call_id}`}>open call</Link></>}</td>
            <td className={tdClass}>{f.code === "language" ? flagText(f) : f.detail ?? "—"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
