// The Archer panel: a header button that opens a drawer (full width on phones) with the conversation as an ARIA
// live log, the always-available text box, push-to-talk and hands-free, and the quick tour; plus the first-visit
// greeting strip. Test hooks live as data attributes on the header control (data-state, data-played-samples, …).
import { useEffect, useRef, useState, type FormEvent } from "react";
import { Compass, Hand, Mic, MicOff, Send, Square, X } from "lucide-react";
import { Button, cx } from "../components/ui";
import { useGuide } from "./GuideProvider";
import { Avatar, Waveform } from "./Waveform";
import { MAX_TEXT } from "./client";
import type { GuideMessage, GuideMode } from "./protocol";

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1).replace(/\.$/, "");

export const MODE_LABEL: Record<GuideMode, string> = {
  idle: "Ready", listening: "Listening…", thinking: "Thinking…", speaking: "Speaking…",
};

/** The header control; carries `data-guide="guide-panel"` and the state the browser tests read. */
export function GuideLauncher() {
  const g = useGuide();
  const { state } = g;
  return (
    <div data-guide="guide-panel" data-testid="guide" data-state={state.mode} data-connection={state.connection}
      data-voice={state.voice ? "on" : "off"} data-played-samples={g.playedSamples}
      data-tour={state.tour?.state ?? "none"} data-highlight={state.highlight ?? ""}
      data-metrics={state.metrics ? JSON.stringify(state.metrics) : ""}
      data-client-metrics={state.clientMetrics ? JSON.stringify(state.clientMetrics) : ""}>
      <button type="button" aria-expanded={g.open} aria-controls="guide-drawer" onClick={() => g.setOpen(!g.open)}
        className="flex items-center gap-2 rounded-lg px-2 py-1.5 text-sm hover:bg-surface-2">
        <Avatar mode={state.mode} size="h-8 w-8" />
        <span className="sr-only sm:not-sr-only">Ask Archer</span>
      </button>
    </div>
  );
}

/** First visit only: a strip under the top bar (it covers nothing); dismissal is remembered. */
export function GuideGreeting() {
  const g = useGuide();
  if (!g.greetPending) return null;
  return (
    <section aria-label="Welcome from Archer" className="flex shrink-0 flex-wrap items-center gap-x-4 gap-y-2 border-b border-border bg-surface-2 px-4 py-2 text-sm lg:px-8">
      <Avatar mode="idle" size="h-7 w-7" />
      <p className="min-w-0 flex-1">
        <span className="font-medium">Hi, I'm Archer, your guide.</span>{" "}
        <span className="text-muted">Ask me about your calls by voice or by typing, launch a test call, or take the 90-second tour.</span>
      </p>
      <div className="flex items-center gap-2">
        <Button variant="primary" onClick={() => { g.dismissGreeting(); g.tour("start"); }}><Compass className="h-4 w-4" aria-hidden /> Take the tour</Button>
        <Button onClick={g.acceptGreeting}>Talk to Archer</Button>
        <button type="button" className="rounded p-1.5 text-muted hover:bg-surface hover:text-fg" onClick={g.dismissGreeting} aria-label="Dismiss the welcome">
          <X className="h-4 w-4" aria-hidden />
        </button>
      </div>
    </section>
  );
}

function Message({ m }: { m: GuideMessage }) {
  switch (m.kind) {
    case "archer":
      return <li className="mr-8 rounded-xl rounded-tl-sm bg-surface-2 px-3 py-2" data-testid="guide-say"><span className="sr-only">Archer: </span>{m.text}</li>;
    case "user":
      return <li className="ml-8 rounded-xl rounded-tr-sm bg-accent-soft px-3 py-2 text-right" data-testid="guide-user"><span className="sr-only">You{m.spoken ? " said" : ""}: </span>{m.text}</li>;
    case "tool":
      return <li className="text-xs text-muted" data-testid="guide-tool">Ran {m.name.replace(/_/g, " ")}</li>;
    case "error":
      return <li className="text-sm text-danger" data-testid="guide-error">{m.text}</li>;
  }
}

export function GuidePanel() {
  const g = useGuide();
  const { state } = g;
  const [text, setText] = useState("");
  const input = useRef<HTMLInputElement>(null);
  const log = useRef<HTMLOListElement>(null);

  useEffect(() => {
    if (g.open) input.current?.focus();
  }, [g.open]);
  useEffect(() => {
    log.current?.lastElementChild?.scrollIntoView?.({ block: "end" });
  }, [state.messages.length, g.open]);

  if (!g.open) return null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!text.trim()) return;
    g.ask(text);
    setText("");
  };
  const voiceReady = state.voice && g.voiceSupported;
  const status = state.connection === "connecting" ? "Connecting…" : state.connection === "error" ? "Offline" : MODE_LABEL[state.mode];
  return (
    <aside id="guide-drawer" aria-label="Archer guide"
      onKeyDown={(e) => { if (e.key === "Escape") g.setOpen(false); }}
      className="fixed inset-x-0 bottom-0 top-16 z-40 flex flex-col border-l border-border bg-surface shadow-2xl sm:left-auto sm:w-[24rem]">
      <header className="flex items-center gap-3 border-b border-border px-4 py-3">
        <Avatar mode={state.mode} />
        <div className="min-w-0 flex-1">
          <h2 className="font-semibold">Archer</h2>
          <p className="text-xs text-muted" data-testid="guide-status">{status}</p>
        </div>
        <Waveform mode={state.mode} level={g.level} />
        <button type="button" className="rounded p-1.5 text-muted hover:bg-surface-2 hover:text-fg" onClick={() => g.setOpen(false)} aria-label="Close the guide">
          <X className="h-5 w-5" aria-hidden />
        </button>
      </header>
      <div className="flex-1 overflow-y-auto px-4 py-3">
        <div role="log" aria-live="polite" aria-label="Conversation with Archer">
        <ol ref={log} className="space-y-2 text-sm">
          {state.messages.length === 0 && (
            <li className="text-muted">Ask a question such as “What was our success rate with the empathetic tactic this week?”, “Show me the calls page” or “Take the tour”.</li>
          )}
          {state.messages.map((m, i) => <Message key={i} m={m} />)}
        </ol>
        </div>
        {state.partial && <p className="mt-2 text-right text-sm italic text-muted" aria-hidden>{state.partial}…</p>}
      </div>
      {state.error && <p role="alert" className="px-4 pb-2 text-xs text-danger">{state.error}</p>}
      {(g.micError || (state.ready && !state.voice)) && (
        <p className="px-4 pb-2 text-xs text-muted" data-testid="guide-voice-note">
          {g.micError ?? `${state.voiceReason ? capitalize(state.voiceReason) : "Voice is off"}. Type your questions below.`}
        </p>
      )}
      <div className="space-y-2 border-t border-border px-4 py-3">
        <div className="flex flex-wrap gap-2">
          <Button variant="secondary" onClick={() => g.tour("start")} disabled={state.tour?.state === "running"}>
            <Compass className="h-4 w-4" aria-hidden /> Quick tour
          </Button>
          {voiceReady && (
            <>
              <Button aria-pressed={g.talking} onPointerDown={(e) => { e.preventDefault(); g.pttDown(); }} onPointerUp={g.pttUp} onPointerLeave={() => g.talking && g.pttUp()}
                onKeyDown={(e) => { if ((e.key === "Enter" || e.key === " ") && !e.repeat) { e.preventDefault(); g.pttDown(); } }}
                onKeyUp={(e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); g.pttUp(); } }}
                title="Or hold the space bar anywhere outside a text field">
                {g.talking ? <Mic className="h-4 w-4" aria-hidden /> : <MicOff className="h-4 w-4" aria-hidden />} Hold to talk
              </Button>
              <Button aria-pressed={g.handsFree} onClick={() => g.setHandsFree(!g.handsFree)}>
                <Hand className="h-4 w-4" aria-hidden /> Hands-free
              </Button>
            </>
          )}
          {state.mode === "speaking" && (
            <Button variant="ghost" onClick={g.stopSpeaking}><Square className="h-4 w-4" aria-hidden /> Stop</Button>
          )}
        </div>
        <form className="flex gap-2" onSubmit={submit}>
          <label htmlFor="guide-input" className="sr-only">Ask Archer</label>
          <input id="guide-input" ref={input} value={text} maxLength={MAX_TEXT} onChange={(e) => setText(e.target.value)}
            placeholder="Type a question…" autoComplete="off"
            className="min-w-0 flex-1 rounded-lg border border-border bg-surface-2 px-3 py-2 text-sm text-fg placeholder:text-muted focus:border-accent focus:outline-none" />
          <Button type="submit" variant="primary" disabled={!text.trim()} aria-label="Send">
            <Send className={cx("h-4 w-4")} aria-hidden />
          </Button>
        </form>
      </div>
    </aside>
  );
}
