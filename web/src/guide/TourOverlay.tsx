// The tour overlay: dims the page around the highlighted `[data-guide]` element (scrolled into view), shows the
// step's caption, and pauses the tour when the user clicks the dimmed page; Resume and Stop are always at hand.
import { useEffect, useState } from "react";
import { createPortal } from "react-dom";
import { Pause, Play, Square, X } from "lucide-react";
import { Button, cx } from "../components/ui";
import { catalogElement } from "./catalog";
import { useGuide } from "./GuideProvider";

interface Box { top: number; left: number; width: number; height: number }

function findTarget(id: string): HTMLElement | null {
  return document.querySelector<HTMLElement>(`[data-guide="${CSS.escape(id)}"]`);
}

/** Where the element is on screen, re-measured as the page loads, scrolls and resizes. */
function useTargetBox(id: string | null): Box | null {
  const [box, setBox] = useState<Box | null>(null);
  useEffect(() => {
    setBox(null);
    if (!id) return;
    let scrolled = false;
    let last: HTMLElement | null = null;
    const measure = () => {
      const el = findTarget(id);
      if (last && last !== el) last.removeAttribute("data-guide-active");
      last = el;
      if (!el) {
        setBox(null);
        return;
      }
      el.setAttribute("data-guide-active", "");
      if (!scrolled) {
        el.scrollIntoView?.({ block: "center", behavior: "smooth" });
        scrolled = true;
      }
      const r = el.getBoundingClientRect();
      setBox((prev) => (prev && prev.top === r.top && prev.left === r.left && prev.width === r.width && prev.height === r.height
        ? prev : { top: r.top, left: r.left, width: r.width, height: r.height }));
    };
    measure();
    const timer = setInterval(measure, 200); // the element may appear once its data loads
    window.addEventListener("resize", measure);
    document.addEventListener("scroll", measure, true);
    return () => {
      clearInterval(timer);
      window.removeEventListener("resize", measure);
      document.removeEventListener("scroll", measure, true);
      last?.removeAttribute("data-guide-active");
    };
  }, [id]);
  return box;
}

export function TourOverlay() {
  const g = useGuide();
  const { state } = g;
  const tour = state.tour;
  const touring = tour?.state === "running" || tour?.state === "paused";
  const box = useTargetBox(state.highlight);
  const element = state.highlight ? catalogElement(state.highlight) : undefined;
  const [dismissedHighlight, setDismissed] = useState<string | null>(null);
  useEffect(() => setDismissed(null), [state.highlight]);

  if (!touring && (!state.highlight || dismissedHighlight === state.highlight)) return null;
  const lastSay = [...state.messages].reverse().find((m) => m.kind === "archer");
  const pad = 6;
  // Keep the caption off the highlighted element: at the top when the element sits low on the screen.
  const captionOnTop = !!box && box.top + box.height / 2 > window.innerHeight * 0.55;
  const running = tour?.state === "running";
  return createPortal(
    <div className="guide-overlay" data-testid="guide-overlay" data-tour-state={tour?.state ?? "none"} data-step={tour?.step ?? ""}
      data-highlight={state.highlight ?? ""}>
      {/* Clicking the dimmed page during the tour pauses it (the user wants to look or interact). */}
      {running && (
        <div className="fixed inset-0 z-[45] cursor-pointer" data-testid="guide-overlay-catcher" aria-hidden
          onClick={() => g.tour("pause")} />
      )}
      {box ? (
        <div aria-hidden data-testid="guide-spotlight" className="pointer-events-none fixed z-[46] rounded-xl transition-all duration-300"
          style={{ top: box.top - pad, left: box.left - pad, width: box.width + 2 * pad, height: box.height + 2 * pad,
            boxShadow: "0 0 0 3px var(--color-accent), 0 0 24px 6px rgb(0 217 255 / 0.35), 0 0 0 9999px rgb(0 0 0 / 0.6)" }} />
      ) : touring ? <div aria-hidden className="pointer-events-none fixed inset-0 z-[46] bg-black/60" /> : null}
      <section aria-label="Tour" role="region"
        className={cx("fixed inset-x-2 z-[47] mx-auto max-w-xl rounded-xl border border-border bg-surface p-4 text-fg shadow-2xl",
          captionOnTop ? "top-20" : "bottom-2 sm:bottom-6")}>
        <div className="mb-1 flex items-center justify-between gap-2 text-xs text-muted">
          <span data-testid="guide-tour-step">
            {touring ? `Quick tour · step ${Math.min(tour!.step + 1, tour!.of)} of ${tour!.of}${tour!.state === "paused" ? " · paused" : ""}` : "Archer"}
          </span>
          {!touring && (
            <button type="button" className="rounded p-1 hover:bg-surface-2 hover:text-fg" aria-label="Close the highlight" onClick={() => setDismissed(state.highlight)}>
              <X className="h-4 w-4" aria-hidden />
            </button>
          )}
        </div>
        <h2 className="font-semibold">{touring ? tour!.title || element?.label : element?.label}</h2>
        <p className="mt-1 text-sm" data-testid="guide-caption" aria-live="polite">{touring ? lastSay?.text ?? "" : element?.explain}</p>
        {touring && (
          <div className="mt-3 flex flex-wrap gap-2">
            {running
              ? <Button onClick={() => g.tour("pause")}><Pause className="h-4 w-4" aria-hidden /> Pause tour</Button>
              : <Button variant="primary" onClick={() => g.tour("resume")}><Play className="h-4 w-4" aria-hidden /> Resume tour</Button>}
            <Button variant="ghost" onClick={() => g.tour("stop")}><Square className="h-4 w-4" aria-hidden /> Stop tour</Button>
          </div>
        )}
      </section>
    </div>,
    document.body,
  );
}
