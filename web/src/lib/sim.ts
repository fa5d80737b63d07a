// The simulated-call session over the voice service's `WS /sim` (ARCHITECTURE §5): a reducer and a hook.
import { useCallback, useEffect, useReducer, useRef } from "react";
import { authedWsUrl } from "../auth/token";
import { voiceBase } from "../auth/config";

export type SimItem =
  | { kind: "agent"; text: string; done: boolean }
  | { kind: "caller"; text: string }
  | { kind: "dtmf"; digit: string }
  | { kind: "tool"; name: string; arguments: unknown; result: unknown }
  | { kind: "compliance"; event: string; detail?: string }
  | { kind: "system"; text: string };

export interface SimState {
  status: "idle" | "connecting" | "agent" | "listening" | "ended" | "error";
  items: SimItem[];
  callId: string | null;
  endReason: string | null;
  error: string | null;
}

export const initialSim: SimState = { status: "idle", items: [], callId: null, endReason: null, error: null };

export type SimAction =
  | { type: "connect" }
  | { type: "server"; message: Record<string, unknown> }
  | { type: "sent"; item: SimItem }
  | { type: "closed"; clean: boolean }
  | { type: "failed"; error: string };

/** Folds one server message (or local action) into the session; agent chunks join until `turn_end`. */
export function simReducer(state: SimState, action: SimAction): SimState {
  switch (action.type) {
    case "connect":
      return { ...initialSim, status: "connecting" };
    case "sent":
      return { ...state, items: [...state.items, action.item], status: "agent" };
    case "failed":
      return { ...state, status: "error", error: action.error };
    case "closed":
      if (state.status === "ended" || state.status === "error") return state;
      return action.clean
        ? { ...state, status: "ended", endReason: state.endReason ?? "connection closed" }
        : { ...state, status: "error", error: "The connection to the voice service was lost." };
    case "server":
      return applyServer(state, action.message);
  }
}

function applyServer(state: SimState, m: Record<string, unknown>): SimState {
  const items = state.items;
  const last = items[items.length - 1];
  switch (m.type) {
    case "agent": {
      const text = String(m.text ?? "");
      if (last?.kind === "agent" && !last.done) {
        const joined = { ...last, text: `${last.text} ${text}`.trim() };
        return { ...state, status: "agent", items: [...items.slice(0, -1), joined] };
      }
      return { ...state, status: "agent", items: [...items, { kind: "agent", text, done: false }] };
    }
    case "turn_end": {
      const closed = items.map((it, i) => (i === items.length - 1 && it.kind === "agent" ? { ...it, done: true } : it));
      return { ...state, status: state.status === "ended" ? "ended" : "listening", items: closed };
    }
    case "tool":
      return { ...state, items: [...items, { kind: "tool", name: String(m.name), arguments: m.arguments, result: m.result }] };
    case "compliance":
      return { ...state, items: [...items, { kind: "compliance", event: String(m.event ?? m.code ?? "event"),
        ...(typeof (m.message ?? m.reason) === "string" ? { detail: String(m.message ?? m.reason) } : {}) }] };
    case "call_started":
    case "started":
      return { ...state, callId: (m.call_id as string) ?? state.callId };
    case "end":
      return {
        ...state,
        status: "ended",
        endReason: String(m.reason ?? "ended"),
        callId: (m.call_id as string) ?? state.callId,
        items: items.map((it) => (it.kind === "agent" ? { ...it, done: true } : it)),
      };
    case "error":
      return { ...state, status: "error", error: String(m.message ?? m.detail ?? "The voice service reported an error.") };
    default:
      return state;
  }
}

/** What-if account figures for the simulation sandbox only (sent as `/sim` query parameters). */
export interface SimOverrides { balance?: string; days_overdue?: string }

/** The `/sim` query: customer, tactic and any what-if figures that were filled in. */
export function simParams(customerId: string, tactic: string, overrides: SimOverrides = {}): Record<string, string> {
  const params: Record<string, string> = { customer_id: customerId, tactic };
  if (overrides.balance?.trim()) params.balance = overrides.balance.trim();
  if (overrides.days_overdue?.trim()) params.days_overdue = overrides.days_overdue.trim();
  return params;
}

export interface SimControls {
  state: SimState;
  start: (customerId: string, tactic: string, overrides?: SimOverrides) => Promise<void>;
  say: (text: string) => void;
  dtmf: (digit: string) => void;
  hangup: () => void;
}

/** Opens `/sim`, folds its messages, and calls `onAgentText` with each spoken chunk (for speech synthesis). */
export function useSimCall(onAgentText?: (text: string) => void): SimControls {
  const [state, dispatch] = useReducer(simReducer, initialSim);
  const ws = useRef<WebSocket | null>(null);
  const speak = useRef(onAgentText);
  speak.current = onAgentText;

  useEffect(() => () => ws.current?.close(), []);

  const start = useCallback(async (customerId: string, tactic: string, overrides?: SimOverrides) => {
    ws.current?.close();
    dispatch({ type: "connect" });
    try {
      const url = await authedWsUrl(voiceBase(), "/sim", simParams(customerId, tactic, overrides));
      const socket = new WebSocket(url);
      ws.current = socket;
      socket.onmessage = (ev) => {
        let message: Record<string, unknown>;
        try {
          message = JSON.parse(String(ev.data)) as Record<string, unknown>;
        } catch {
          return; // binary audio frames or noise: the text protocol is what the UI shows
        }
        if (message.type === "agent" && typeof message.text === "string") speak.current?.(message.text);
        dispatch({ type: "server", message });
      };
      socket.onclose = (ev) => dispatch({ type: "closed", clean: ev.wasClean || ev.code === 1000 });
      socket.onerror = () => dispatch({ type: "failed", error: "Could not reach the voice service (/sim)." });
    } catch (err) {
      dispatch({ type: "failed", error: (err as Error).message });
    }
  }, []);

  const send = useCallback((payload: Record<string, unknown>, item?: SimItem) => {
    const socket = ws.current;
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    socket.send(JSON.stringify(payload));
    if (item) dispatch({ type: "sent", item });
  }, []);

  return {
    state,
    start,
    say: (text) => text.trim() && send({ type: "user", text: text.trim() }, { kind: "caller", text: text.trim() }),
    dtmf: (digit) => send({ type: "dtmf", digit }, { kind: "dtmf", digit }),
    hangup: () => send({ type: "hangup" }),
  };
}
