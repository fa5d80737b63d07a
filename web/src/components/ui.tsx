// Shared building blocks: cards, buttons, badges, fields, and the loading / empty / error states in words.
import type { ButtonHTMLAttributes, InputHTMLAttributes, ReactNode, SelectHTMLAttributes } from "react";
import { useId } from "react";
import { AlertTriangle, Inbox, Loader2 } from "lucide-react";
import { errorMessage } from "../api/client";

export function cx(...parts: (string | false | null | undefined)[]): string {
  return parts.filter(Boolean).join(" ");
}

export function PageHeader({ title, subtitle, actions }: { title: string; subtitle?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="mb-6 flex flex-wrap items-end justify-between gap-4">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">{title}</h1>
        {subtitle && <p className="mt-1 text-sm text-muted">{subtitle}</p>}
      </div>
      {actions && <div className="flex flex-wrap items-center gap-2">{actions}</div>}
    </div>
  );
}

export function Card({ title, actions, children, className, guide }: {
  title?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string;
  /** Catalog id the Archer guide highlights (shared/guide/catalog.json). */
  guide?: string;
}) {
  return (
    <section className={cx("rounded-xl border border-border bg-surface p-5 shadow-sm", className)} data-guide={guide}>
      {(title || actions) && (
        <header className="mb-4 flex items-center justify-between gap-3">
          {title && <h2 className="text-sm font-semibold uppercase tracking-wide text-muted">{title}</h2>}
          {actions}
        </header>
      )}
      {children}
    </section>
  );
}

type Variant = "primary" | "secondary" | "danger" | "ghost";
const VARIANTS: Record<Variant, string> = {
  primary: "bg-accent text-accent-fg hover:brightness-110 font-semibold",
  secondary: "border border-border bg-surface-2 text-fg hover:border-accent",
  danger: "border border-danger/60 text-danger hover:bg-danger/10",
  ghost: "text-muted hover:text-fg hover:bg-surface-2",
};

export function Button({ variant = "secondary", className, busy, children, ...rest }:
  ButtonHTMLAttributes<HTMLButtonElement> & { variant?: Variant; busy?: boolean }) {
  return (
    <button
      type="button"
      {...rest}
      disabled={rest.disabled || busy}
      aria-busy={busy || undefined}
      className={cx("inline-flex items-center justify-center gap-2 rounded-lg px-3.5 py-2 text-sm transition",
        "disabled:cursor-not-allowed disabled:opacity-50", VARIANTS[variant], className)}
    >
      {busy && <Loader2 className="h-4 w-4 animate-spin" aria-hidden />}
      {children}
    </button>
  );
}

export function Stat({ label, value, hint, tone }: { label: string; value: ReactNode; hint?: ReactNode; tone?: "ok" | "warn" | "accent" }) {
  return (
    <div role="group" aria-label={label} className="rounded-xl border border-border bg-surface p-4">
      <div className="text-xs font-medium uppercase tracking-wide text-muted">{label}</div>
      <div className={cx("mt-2 text-2xl font-semibold tabular-nums",
        tone === "ok" && "text-ok", tone === "warn" && "text-warn", tone === "accent" && "text-accent")}>{value}</div>
      {hint && <div className="mt-1 text-xs text-muted">{hint}</div>}
    </div>
  );
}

const BADGE_TONES = {
  neutral: "bg-surface-2 text-muted border-border",
  ok: "bg-ok/10 text-ok border-ok/40",
  warn: "bg-warn/10 text-warn border-warn/40",
  danger: "bg-danger/10 text-danger border-danger/40",
  accent: "bg-accent-soft text-accent border-accent/40",
} as const;
export type Tone = keyof typeof BADGE_TONES;

export function Badge({ tone = "neutral", children }: { tone?: Tone; children: ReactNode }) {
  return (
    <span className={cx("inline-flex items-center gap-1 whitespace-nowrap rounded-full border px-2 py-0.5 text-xs font-medium",
      BADGE_TONES[tone])}>{children}</span>
  );
}

export function Loading({ what = "data" }: { what?: string }) {
  return (
    <div role="status" className="flex items-center gap-2 py-8 text-sm text-muted">
      <Loader2 className="h-4 w-4 animate-spin" aria-hidden /> Loading {what}…
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return (
    <div className="flex flex-col items-center gap-2 py-10 text-center text-sm text-muted">
      <Inbox className="h-6 w-6" aria-hidden />
      <div>{children}</div>
    </div>
  );
}

export function ErrorState({ error, what = "this", onRetry }: { error: unknown; what?: string; onRetry?: () => void }) {
  return (
    <div role="alert" className="flex flex-wrap items-center gap-3 rounded-lg border border-danger/40 bg-danger/10 p-4 text-sm text-danger">
      <AlertTriangle className="h-4 w-4" aria-hidden />
      <span>Could not load {what}: {errorMessage(error)}</span>
      {onRetry && <Button variant="ghost" onClick={onRetry}>Try again</Button>}
    </div>
  );
}

/** Query result → loading / error / content, so every page words its states the same way. */
export function QueryState<T>({ query, what, children }: {
  query: { isPending: boolean; error: unknown; data: T | undefined; refetch: () => unknown };
  what: string;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <Loading what={what} />;
  if (query.error || query.data === undefined) return <ErrorState error={query.error} what={what} onRetry={() => query.refetch()} />;
  return <>{children(query.data)}</>;
}

const inputClass = "w-full rounded-lg border border-border bg-surface-2 px-3 py-2 text-sm text-fg placeholder:text-muted/70 focus:border-accent focus:outline-none";

export function TextField({ label, hint, ...rest }: InputHTMLAttributes<HTMLInputElement> & { label: string; hint?: string }) {
  const auto = useId();
  const id = rest.id ?? auto;
  return (
    <div className="block text-sm">
      <label htmlFor={id} className="mb-1 block font-medium">{label}</label>
      <input id={id} className={inputClass} aria-describedby={hint ? `${id}-hint` : undefined} {...rest} />
      {hint && <span id={`${id}-hint`} className="mt-1 block text-xs text-muted">{hint}</span>}
    </div>
  );
}

export function SelectField({ label, children, ...rest }: SelectHTMLAttributes<HTMLSelectElement> & { label: string }) {
  const auto = useId();
  const id = rest.id ?? auto;
  return (
    <div className="block text-sm">
      <label htmlFor={id} className="mb-1 block font-medium">{label}</label>
      <select id={id} className={inputClass} {...rest}>{children}</select>
    </div>
  );
}

export function Progress({ value, max = 100, label }: { value: number; max?: number; label: string }) {
  const pct = max > 0 ? Math.min(100, Math.round((value / max) * 100)) : 0;
  return (
    <div>
      <div className="mb-1 flex justify-between text-xs text-muted"><span>{label}</span><span>{pct}%</span></div>
      <div role="progressbar" aria-label={label} aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100}
        className="h-2 overflow-hidden rounded-full bg-surface-2">
        <div className="h-full rounded-full bg-accent transition-all" style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}

export const tableClass = "w-full text-left text-sm";
export const thClass = "border-b border-border px-3 py-2 text-xs font-semibold uppercase tracking-wide text-muted";
export const tdClass = "border-b border-border/60 px-3 py-2.5 align-top";
