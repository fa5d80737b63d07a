// Display formats: money (strings from the API stay exact), durations, dates, outcome and status wording.
import type { Tone } from "../components/ui";
import { label } from "./labels";

export function money(value: string | number | null | undefined, currency = "USD"): string {
  if (value == null || value === "") return "—";
  const n = typeof value === "number" ? value : Number(value);
  if (Number.isNaN(n)) return String(value);
  return new Intl.NumberFormat("en-US", { style: "currency", currency }).format(n);
}

export function duration(seconds: number | null | undefined): string {
  if (seconds == null) return "—";
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m ${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

export function ms(value: number | string | null | undefined): string {
  if (value == null) return "—";
  return `${Math.round(Number(value))} ms`;
}

export function pct(value: number | null | undefined): string {
  if (value == null) return "—";
  return `${(value * 100).toFixed(1)}%`;
}

/** A date and time with its zone named ("Nov 24, 2026, 3:00 PM EST"); `zone` (IANA) defaults to the browser's. */
export function dateTime(iso: string | null | undefined, zone?: string | null): string {
  if (!iso) return "—";
  const d = new Date(iso);
  const opts: Intl.DateTimeFormatOptions = { year: "numeric", month: "short", day: "numeric", hour: "numeric",
    minute: "2-digit", timeZoneName: "short" };
  try {
    return d.toLocaleString("en-US", zone ? { ...opts, timeZone: zone } : opts);
  } catch {
    return d.toLocaleString("en-US", opts);
  }
}

/** A date only ("Nov 24, 2026"). */
export function day(iso: string | null | undefined): string {
  if (!iso) return "—";
  return new Date(iso).toLocaleDateString("en-US", { year: "numeric", month: "short", day: "numeric" });
}

export function clock(iso: string | null | undefined): string {
  if (!iso) return "";
  return new Date(iso).toLocaleTimeString("en-US", { hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short" });
}

/** The wall-clock time now in an IANA zone ("—" when the zone is unknown). */
export function localTimeIn(zone: string | null | undefined, now: Date = new Date()): string {
  if (!zone) return "—";
  try {
    return now.toLocaleTimeString("en-US", { timeZone: zone, hour: "numeric", minute: "2-digit", weekday: "short",
      timeZoneName: "short" });
  } catch {
    return "—";
  }
}

/** A code in words, from the one label table (lib/labels.ts). */
export function humanize(code: string | null | undefined): string {
  return label(code);
}

const OUTCOME_TONES: Record<string, Tone> = {
  payment_arranged: "ok", promise_to_pay: "ok", hardship: "accent", callback_scheduled: "accent", transferred: "accent",
  refused: "warn", disputed: "warn", verification_failed: "warn", voicemail: "neutral", no_answer: "neutral",
  busy: "neutral", hung_up: "warn", completed_no_arrangement: "neutral", cease_requested: "danger",
  attorney: "danger", bankruptcy: "danger", wrong_party: "warn", failed: "danger",
};

export function outcomeTone(outcome: string | null | undefined): Tone {
  return (outcome && OUTCOME_TONES[outcome]) || "neutral";
}

export function statusTone(status: string | null | undefined): Tone {
  if (status === "in-progress" || status === "running") return "accent";
  if (status === "completed") return "ok";
  if (status === "failed" || status === "canceled" || status === "cancelled") return "danger";
  if (status === "paused" || status === "ringing" || status === "queued" || status === "initiated") return "warn";
  return "neutral";
}

export function isLive(status: string | null | undefined): boolean {
  return status === "in-progress" || status === "ringing" || status === "initiated" || status === "queued";
}
