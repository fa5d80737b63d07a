// Archer's avatar and a live waveform: the ring and the bars show idle / listening / thinking / speaking.
import { useEffect, useRef } from "react";
import { cx } from "../components/ui";
import type { GuideMode } from "./protocol";

const BARS = 16;

export function Avatar({ mode, size = "h-10 w-10" }: { mode: GuideMode; size?: string }) {
  return (
    <span className={cx("relative inline-flex shrink-0 items-center justify-center rounded-full bg-accent-soft", size)} aria-hidden>
      <span className={cx("absolute inset-0 rounded-full border-2",
        mode === "listening" ? "border-ok motion-safe:animate-pulse" : mode === "speaking" ? "border-accent motion-safe:animate-pulse"
          : mode === "thinking" ? "border-warn border-dashed motion-safe:animate-spin" : "border-border")} />
      <svg viewBox="0 0 32 32" className="h-1/2 w-1/2">
        <path d="M16 5 L26 27 H21.5 L16 14 L10.5 27 H6 Z" className="fill-accent" />
        <rect x="11" y="20" width="10" height="2.6" rx="1.3" className="fill-accent" />
      </svg>
    </span>
  );
}

/** Bars of the recent audio level; a slow sweep while thinking, flat while idle. Decorative (aria-hidden). */
export function Waveform({ mode, level }: { mode: GuideMode; level: () => number }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const bars = Array.from(el.children) as HTMLElement[];
    const history = new Array<number>(BARS).fill(0);
    let raf = 0;
    let t = 0;
    const reduced = window.matchMedia?.("(prefers-reduced-motion: reduce)").matches ?? false;
    const tick = () => {
      t += 1;
      let v = 0;
      if (mode === "listening" || mode === "speaking") v = Math.min(1, level() * 6);
      else if (mode === "thinking") v = 0.25 + 0.2 * Math.sin(t / 6);
      history.shift();
      history.push(v);
      bars.forEach((b, i) => { b.style.transform = `scaleY(${Math.max(0.08, reduced ? v : history[i]!)})`; });
      raf = requestAnimationFrame(tick);
    };
    raf = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(raf);
  }, [mode, level]);
  return (
    <div ref={ref} className="flex h-8 w-28 shrink-0 items-center gap-[3px] overflow-hidden" aria-hidden data-testid="guide-waveform">
      {Array.from({ length: BARS }, (_, i) => (
        <span key={i} className={cx("h-full w-1 origin-center rounded-full transition-transform duration-75",
          mode === "listening" ? "bg-ok" : mode === "speaking" ? "bg-accent" : "bg-muted/60")} style={{ transform: "scaleY(0.08)" }} />
      ))}
    </div>
  );
}
