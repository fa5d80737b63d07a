// CSV import: upload with progress; the API imports every row or none and reports each bad row.
import { useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { Upload } from "lucide-react";
import { errorMessage } from "../../api/client";
import { Card, Progress, tableClass, tdClass, thClass } from "../../components/ui";
import { uploadWithProgress } from "../../lib/upload";

export const IMPORT_PATH = "/api/v1/customers/import";

export interface RowError { row: number; field?: string | null; message: string }

/** The per-row errors of a rejected import, whatever the exact envelope (problem details or a report). */
export function rowErrors(body: unknown): RowError[] {
  const b = body as { errors?: { loc?: (string | number)[]; msg?: string }[] } | null;
  return (b?.errors ?? []).map((e) => {
    const loc = e.loc ?? [];
    const at = loc.indexOf("row");
    return at >= 0
      ? { row: Number(loc[at + 1]), field: loc[at + 2] != null ? String(loc[at + 2]) : null, message: e.msg ?? "invalid" }
      : { row: 0, field: loc.join(".") || null, message: e.msg ?? "invalid" };
  });
}

/** "1 row has 5 problems", "3 rows have 4 problems": rows and problems counted apart. */
export function importSummary(errors: RowError[]): string {
  const rows = new Set(errors.filter((e) => e.row > 0).map((e) => e.row)).size;
  const problems = errors.length;
  const p = `${problems} problem${problems === 1 ? "" : "s"}`;
  if (rows === 0) return `the file has ${p}`;
  return `${rows} row${rows === 1 ? " has" : "s have"} ${p}`;
}

export function ImportCustomers() {
  const qc = useQueryClient();
  const [progress, setProgress] = useState<number | null>(null);
  const [result, setResult] = useState<{ ok: boolean; message: string; errors: RowError[] } | null>(null);
  const run = async (file: File | undefined) => {
    if (!file) return;
    setResult(null);
    setProgress(0);
    try {
      const { status, body } = await uploadWithProgress(IMPORT_PATH, file, setProgress);
      if (status >= 200 && status < 300) {
        const n = (body as { imported?: number }).imported;
        setResult({ ok: true, message: `Imported ${n ?? "all"} customers from ${file.name}.`, errors: [] });
        void qc.invalidateQueries({ queryKey: ["get", "/api/v1/customers"] });
      } else {
        const errors = rowErrors(body);
        setResult({ ok: false, errors, message: errors.length
          ? `Nothing was imported: ${importSummary(errors)} to fix (listed below).`
          : `Nothing was imported: ${errorMessage(body)}` });
      }
    } catch (err) {
      setResult({ ok: false, message: errorMessage(err), errors: [] });
    } finally {
      setProgress(null);
    }
  };
  return (
    <Card title="Import customers from CSV" className="mb-6">
      <p className="mb-3 text-sm text-muted">
        Columns: first_name, last_name, phone, account_last_4, postal_code, balance, days_overdue, timezone, country, region.
        Every row is checked first; if any row is wrong, nothing is imported and each problem is listed.
      </p>
      <label className="inline-flex cursor-pointer items-center gap-2 rounded-lg border border-border bg-surface-2 px-3.5 py-2 text-sm hover:border-accent">
        <Upload className="h-4 w-4" aria-hidden /> Choose a CSV file
        <input type="file" accept=".csv,text/csv" className="sr-only" disabled={progress !== null}
          onChange={(e) => { void run(e.target.files?.[0]); e.target.value = ""; }} />
      </label>
      {progress !== null && <div className="mt-4"><Progress value={progress * 100} label={progress < 1 ? "Uploading" : "Validating and importing"} /></div>}
      {result && (
        <div role={result.ok ? "status" : "alert"} className={`mt-4 rounded-lg border p-3 text-sm ${result.ok ? "border-ok/40 bg-ok/10 text-ok" : "border-danger/40 bg-danger/10 text-danger"}`}>
          {result.message}
        </div>
      )}
      {result && result.errors.length > 0 && (
        <div className="mt-3 max-h-72 overflow-y-auto">
          <table className={tableClass}>
            <thead><tr><th className={thClass}>Row</th><th className={thClass}>Field</th><th className={thClass}>Problem</th></tr></thead>
            <tbody>{result.errors.map((e, i) => (
              <tr key={i}><td className={`${tdClass} tabular-nums`}>{e.row}</td><td className={`${tdClass} font-mono`}>{e.field ?? "—"}</td><td className={tdClass}>{e.message}</td></tr>
            ))}</tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
