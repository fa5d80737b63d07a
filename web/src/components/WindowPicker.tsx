// The reporting-window control shown wherever figures cover a period.
import { WINDOWS } from "../lib/reportingWindow";
import { cx } from "./ui";

export function WindowPicker({ days, onChange }: { days: number; onChange: (d: number) => void }) {
  return (
    <div role="group" aria-label="Reporting window" className="inline-flex rounded-lg border border-border bg-surface p-0.5 text-sm">
      {WINDOWS.map((d) => (
        <button key={d} type="button" aria-pressed={days === d} onClick={() => onChange(d)}
          className={cx("rounded-md px-3 py-1.5", days === d ? "bg-accent text-accent-fg font-semibold" : "text-muted hover:text-fg")}>
          Last {d} days
        </button>
      ))}
    </div>
  );
}
