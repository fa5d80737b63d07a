// The reporting window (last N days) the user chose: one setting for the dashboard and every tactic's analytics,
// kept in localStorage so it holds across pages and tabs.
import { useCallback, useEffect, useState } from "react";

export const WINDOW_KEY = "archer.reportingDays";
export const WINDOWS = [7, 30, 90] as const;
const DEFAULT = 30;

function read(): number {
  try {
    const v = Number(localStorage.getItem(WINDOW_KEY));
    return (WINDOWS as readonly number[]).includes(v) ? v : DEFAULT;
  } catch {
    return DEFAULT;
  }
}

export function useReportingWindow(): [number, (days: number) => void] {
  const [days, setDays] = useState(read);
  useEffect(() => {
    const sync = (e: StorageEvent) => { if (e.key === WINDOW_KEY) setDays(read()); };
    window.addEventListener("storage", sync);
    return () => window.removeEventListener("storage", sync);
  }, []);
  const choose = useCallback((d: number) => {
    setDays(d);
    try { localStorage.setItem(WINDOW_KEY, String(d)); } catch { /* applies to this page only */ }
  }, []);
  return [days, choose];
}
