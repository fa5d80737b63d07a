// The /guide conversation as state: the voice service's WS /guide frames (protocol: voice/guide.py's docstring
// and README "Archer guide") folded by a pure reducer, so the panel, the overlay and the tests read one shape.

export type GuideMode = "idle" | "listening" | "thinking" | "speaking";
export type Connection = "closed" | "connecting" | "open" | "error";

export type GuideMessage =
  | { kind: "archer"; turn: number; text: string }
  | { kind: "user"; text: string; spoken: boolean }
  | { kind: "tool"; name: string; arguments: unknown; result: unknown }
  | { kind: "error"; text: string };

export interface TourState {
  name: string;
  state: "running" | "paused" | "done" | "stopped";
  step: number;
  of: number;
  title: string;
  page: string | null;
  element: string | null;
  narrationMs: number;
  /** The socket dropped while the tour ran: it shows paused, and the next hello asks the server to run it on. */
  resumeOnReconnect?: boolean;
}

/** What a (re)connecting hello tells the server about the tour, so a dropped socket does not lose it. */
export interface TourHello { name: string; step: number; state: "running" | "paused" }

export function tourHello(tour: TourState | null): TourHello | null {
  if (!tour || tour.state === "done" || tour.state === "stopped") return null;
  const running = tour.state === "running" || tour.resumeOnReconnect === true;
  return { name: tour.name, step: tour.step, state: running ? "running" : "paused" };
}

export interface TurnMetrics {
  turn: number;
  eos_to_first_audio_ms: number | null;
  stt_final_ms?: number | null;
  brain_ms?: number | null;
  tts_first_byte_ms?: number | null;
  overhead_ms?: number | null;
}

/** The browser's own measure of a spoken turn: the VAD's last voiced frame → the answer's first played sample. */
export interface ClientMetrics { turn: number; eos_to_first_audio_ms: number }

export interface GuideState {
  connection: Connection;
  ready: boolean;
  voice: boolean;            // the server agreed to audio (a Cartesia key is configured)
  voiceReason: string | null;
  role: string | null;
  mode: GuideMode;
  partial: string;           // the interim transcript while the user speaks
  messages: GuideMessage[];
  highlight: string | null;  // catalog element id the overlay spotlights
  tour: TourState | null;
  metrics: TurnMetrics | null;
  clientMetrics: ClientMetrics | null;
  audioTurn: number | null;  // the turn whose audio is accepted (null after an interrupt until the next audio_start)
  error: string | null;
}

export const initialGuide: GuideState = {
  connection: "closed", ready: false, voice: false, voiceReason: null, role: null, mode: "idle", partial: "",
  messages: [], highlight: null, tour: null, metrics: null, clientMetrics: null, audioTurn: null, error: null,
};

export type GuideAction =
  | { type: "connecting" }
  | { type: "open" }
  | { type: "closed"; error?: string }
  | { type: "server"; frame: Record<string, unknown> }
  | { type: "typed"; text: string }
  | { type: "interrupted" }
  | { type: "client_metrics"; metrics: ClientMetrics }
  | { type: "tour_action"; action: "start" | "pause" | "resume" | "stop" }
  | { type: "mode"; mode: GuideMode };

const MODES = new Set<GuideMode>(["idle", "listening", "thinking", "speaking"]);
const TOUR_STATES = new Set(["running", "paused", "done", "stopped"]);
const MAX_MESSAGES = 200;

function push(state: GuideState, m: GuideMessage): GuideMessage[] {
  const next = [...state.messages, m];
  return next.length > MAX_MESSAGES ? next.slice(-MAX_MESSAGES) : next;
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

export function guideReducer(state: GuideState, action: GuideAction): GuideState {
  switch (action.type) {
    case "connecting":
      return { ...state, connection: "connecting", error: null };
    case "open":
      return { ...state, connection: "open" };
    case "closed":
      return { ...state, connection: action.error ? "error" : "closed", ready: false, mode: "idle", audioTurn: null,
        error: action.error ?? state.error,
        tour: state.tour?.state === "running" ? { ...state.tour, state: "paused", resumeOnReconnect: true } : state.tour };
    case "tour_action": // the user's own pause/stop (even while reconnecting) wins over resuming on reconnect
      if (!state.tour || action.action === "start") return state;
      if (action.action === "resume") return { ...state, tour: { ...state.tour, resumeOnReconnect: state.connection !== "open" } };
      return { ...state, tour: { ...state.tour, resumeOnReconnect: false } };
    case "typed":
      return { ...state, messages: push(state, { kind: "user", text: action.text, spoken: false }), mode: "thinking" };
    case "interrupted":
      return { ...state, audioTurn: null, mode: state.mode === "speaking" ? "listening" : state.mode };
    case "mode":
      return { ...state, mode: action.mode };
    case "client_metrics":
      return { ...state, clientMetrics: action.metrics };
    case "server":
      return applyFrame(state, action.frame);
  }
}

function applyFrame(state: GuideState, f: Record<string, unknown>): GuideState {
  switch (f.type) {
    case "ready":
      return { ...state, ready: true, voice: f.voice === true, voiceReason: str(f.reason) || null,
        role: str(f.role) || null, error: null };
    case "state": {
      const mode = f.state as GuideMode;
      return MODES.has(mode) ? { ...state, mode, partial: mode === "listening" ? state.partial : "" } : state;
    }
    case "transcript": {
      const text = str(f.text);
      if (f.final !== true) return { ...state, partial: text };
      if (!text.trim()) return { ...state, partial: "" };
      return { ...state, partial: "", messages: push(state, { kind: "user", text, spoken: true }) };
    }
    case "say": {
      const text = str(f.text);
      if (!text) return state;
      const turn = num(f.turn) ?? 0;
      const last = state.messages[state.messages.length - 1];
      if (last?.kind === "archer" && last.turn === turn) { // one bubble per turn, one `say` per sentence
        return { ...state, messages: [...state.messages.slice(0, -1), { ...last, text: `${last.text} ${text}` }] };
      }
      return { ...state, messages: push(state, { kind: "archer", turn, text }) };
    }
    case "audio_start":
      return { ...state, audioTurn: num(f.turn) ?? 0 };
    case "audio_end":
      return state;
    case "action":
      if (f.action === "highlight") return { ...state, highlight: str(f.element) || null };
      if (f.action === "clear_highlight") return { ...state, highlight: null };
      return state; // navigate is a side effect the provider performs
    case "tool":
      return { ...state, messages: push(state, { kind: "tool", name: str(f.name), arguments: f.arguments, result: f.result }) };
    case "tour": {
      const s = str(f.state);
      if (!TOUR_STATES.has(s)) return state;
      const tour: TourState = {
        name: str(f.name) || state.tour?.name || "quick_tour", state: s as TourState["state"], step: num(f.step) ?? 0, of: num(f.of) ?? 0, title: str(f.title),
        page: str(f.page) || null, element: typeof f.element === "string" ? f.element : null,
        narrationMs: num(f.narration_ms) ?? 0,
      };
      const ended = tour.state === "done" || tour.state === "stopped";
      return { ...state, tour, highlight: ended ? null : tour.element };
    }
    case "metrics":
      return { ...state, metrics: {
        turn: num(f.turn) ?? 0, eos_to_first_audio_ms: num(f.eos_to_first_audio_ms), stt_final_ms: num(f.stt_final_ms),
        brain_ms: num(f.brain_ms), tts_first_byte_ms: num(f.tts_first_byte_ms), overhead_ms: num(f.overhead_ms) } };
    case "error":
      return { ...state, messages: push(state, { kind: "error", text: str(f.message) || "Archer could not do that." }),
        mode: state.mode === "thinking" ? "idle" : state.mode };
    default:
      return state;
  }
}
