// Live call events from the voice service's `WS /live`, normalized, with reconnect and a polling fallback signal.
import { useEffect, useRef, useState } from "react";
import { authedWsUrl } from "../auth/token";
import { voiceBase } from "../auth/config";

export interface LiveEvent {
  type: string;
  callId: string | null;
  data: Record<string, unknown>;
}

/** One wire message → a LiveEvent; accepts `type` or `event` and a payload nested in `data` or flat. */
export function normalizeLive(raw: unknown): LiveEvent | null {
  if (!raw || typeof raw !== "object") return null;
  const m = raw as Record<string, unknown>;
  const type = (m.type ?? m.event) as string | undefined;
  if (!type) return null;
  const data = (m.data && typeof m.data === "object" ? m.data : m) as Record<string, unknown>;
  const callId = (m.call_id ?? data.call_id ?? null) as string | null;
  return { type, callId, data };
}

/** Subscribes to /live while mounted; `connected` says whether pushes arrive (else callers poll). */
export function useLiveEvents(onEvent: (e: LiveEvent) => void, params: Record<string, string> = {}): { connected: boolean } {
  const [connected, setConnected] = useState(false);
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const key = JSON.stringify(params);

  useEffect(() => {
    let socket: WebSocket | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let attempts = 0;
    let stopped = false;
    const open = async () => {
      try {
        socket = new WebSocket(await authedWsUrl(voiceBase(), "/live", JSON.parse(key) as Record<string, string>));
      } catch {
        return;
      }
      socket.onopen = () => {
        attempts = 0;
        setConnected(true);
      };
      socket.onmessage = (ev) => {
        try {
          const e = normalizeLive(JSON.parse(String(ev.data)));
          if (e) handler.current(e);
        } catch {
          /* ignore frames that are not JSON */
        }
      };
      socket.onclose = () => {
        setConnected(false);
        if (!stopped) retry = setTimeout(() => void open(), Math.min(30_000, 1000 * 2 ** attempts++));
      };
    };
    void open();
    return () => {
      stopped = true;
      clearTimeout(retry);
      socket?.close();
    };
  }, [key]);
  return { connected };
}

const LIST_EVENTS = new Set(["call_started", "call_ended", "call_status"]);

/** Keeps every list that shows calls current: refetches them when /live reports a call starting, changing status
 * or ending (again shortly after, once the voice service's write-behind has stored the final row). `connected`
 * false means pushes are not arriving and callers should poll. */
export function useLiveCallLists(invalidate: (keys: string[]) => void): { connected: boolean } {
  return useLiveEvents((e) => {
    if (!LIST_EVENTS.has(e.type)) return;
    const keys = ["/api/v1/calls", "/api/v1/dashboard", "/api/v1/campaigns"];
    invalidate(keys);
    if (e.type === "call_ended") setTimeout(() => invalidate(keys), 2_000);
  });
}
