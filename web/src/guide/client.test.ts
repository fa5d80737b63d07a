// The /guide client and the conversation reducer against a fake socket: hello first, frames folded, audio
// accepted only between audio_start and audio_end and dropped after an interrupt, reconnect after a drop.
import { afterEach, describe, expect, it, vi } from "vitest";
import { GuideClient, type GuideCallbacks } from "./client";
import { guideReducer, initialGuide, tourHello, type GuideAction, type GuideState } from "./protocol";

class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  binaryType: BinaryType = "blob";
  sent: (string | ArrayBuffer)[] = [];
  onopen: ((ev: Event) => unknown) | null = null;
  onmessage: ((ev: MessageEvent) => unknown) | null = null;
  onclose: ((ev: CloseEvent) => unknown) | null = null;
  onerror: ((ev: Event) => unknown) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string | ArrayBuffer) {
    this.sent.push(data);
  }
  close(code = 1000) {
    this.readyState = 3;
    this.onclose?.({ code, reason: "", wasClean: code === 1000 } as CloseEvent);
  }
  // server side
  accept() {
    this.readyState = 1;
    this.onopen?.(new Event("open"));
  }
  push(data: unknown) {
    this.onmessage?.({ data: data instanceof ArrayBuffer ? data : JSON.stringify(data) } as MessageEvent);
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code, reason: "", wasClean: false } as CloseEvent);
  }
  json(): Record<string, unknown>[] {
    return this.sent.filter((s): s is string => typeof s === "string").map((s) => JSON.parse(s) as Record<string, unknown>);
  }
}

function harness(greet = true) {
  FakeSocket.all = [];
  const frames: Record<string, unknown>[] = [];
  const audio: number[] = [];
  const closes: (string | undefined)[] = [];
  const callbacks: GuideCallbacks = {
    onOpen: () => undefined,
    onFrame: (f) => frames.push(f),
    onAudio: (pcm) => audio.push(pcm.byteLength),
    onClose: (e) => closes.push(e),
  };
  const client = new GuideClient(callbacks, () => ({ page: "/calls", voice: true, greet }),
    (url) => new FakeSocket(url), async () => "ws://host/guide?token=t");
  return { client, frames, audio, closes };
}

afterEach(() => vi.useRealTimers());

describe("guide client", () => {
  it("says hello first, greeting once, then sends the contract's frames", async () => {
    const { client } = harness();
    await client.start();
    const ws = FakeSocket.all[0]!;
    expect(ws.url).toBe("ws://host/guide?token=t");
    expect(client.text("hi")).toBe(true);        // typed while the socket opens: sent right after the hello
    expect(client.audio(new ArrayBuffer(640))).toBe(false); // audio is never queued
    expect(ws.sent).toEqual([]);
    ws.accept();
    expect(ws.binaryType).toBe("arraybuffer");
    expect(client.text("  show me the calls page  ")).toBe(true);
    expect(client.text("   ")).toBe(false);
    client.text("x".repeat(900));
    client.ptt("down");
    client.audio(new ArrayBuffer(640));
    client.ptt("up");
    client.interrupt();
    client.page("/tactics");
    client.tour("pause");
    expect(client.clientMetrics(3, 2712.345)).toBe(true);
    expect(client.clientMetrics(3, -1)).toBe(false);          // out of range: never sent
    expect(client.clientMetrics(3, Number.NaN)).toBe(false);
    expect(ws.json()).toEqual([
      { type: "hello", page: "/calls", voice: true, greet: true },
      { type: "text", text: "hi" },
      { type: "text", text: "show me the calls page" },
      { type: "text", text: "x".repeat(500) },
      { type: "ptt", state: "down" },
      { type: "ptt", state: "up" },
      { type: "interrupt" },
      { type: "page", path: "/tactics" },
      { type: "tour", action: "pause" },
      { type: "client_metrics", turn: 3, eos_to_first_audio_ms: 2712.3 },
    ]);
    expect(ws.sent.filter((s) => s instanceof ArrayBuffer)).toHaveLength(1);
  });

  it("passes audio only inside audio_start … audio_end and drops it after an interrupt", async () => {
    const { client, audio, frames } = harness();
    await client.start();
    const ws = FakeSocket.all[0]!;
    ws.accept();
    ws.push(new ArrayBuffer(100));                            // before audio_start: dropped
    ws.push({ type: "audio_start", turn: 1, sample_rate: 24000 });
    ws.push(new ArrayBuffer(480));
    client.interrupt();
    ws.push(new ArrayBuffer(480));                            // in flight after barge-in: dropped
    ws.push({ type: "audio_start", turn: 2, sample_rate: 24000 });
    ws.push(new ArrayBuffer(960));
    ws.push({ type: "audio_end", turn: 2 });
    ws.push(new ArrayBuffer(960));
    ws.push("not json");
    expect(audio).toEqual([480, 960]);
    expect(frames.map((f) => f.type)).toEqual(["audio_start", "audio_start", "audio_end"]);
  });

  it("reconnects with backoff after a drop (without greeting twice) and stops when asked", async () => {
    vi.useFakeTimers();
    const { client, closes } = harness();
    await client.start();
    FakeSocket.all[0]!.accept();
    FakeSocket.all[0]!.drop();
    expect(closes[0]).toMatch(/lost/);
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1]!.accept();
    expect(FakeSocket.all[1]!.json()[0]).toMatchObject({ type: "hello", greet: false });
    client.stop();
    expect(client.text("after stop")).toBe(false);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.all).toHaveLength(2);
  });

  it("tells the server where the tour was when it reconnects, so the tour carries on from that step", async () => {
    vi.useFakeTimers();
    FakeSocket.all = [];
    let state = run([{ type: "connecting" }, { type: "open" }]);
    const dispatch = (a: GuideAction) => { state = guideReducer(state, a); };
    const client = new GuideClient(
      { onOpen: () => dispatch({ type: "open" }), onFrame: (f) => dispatch({ type: "server", frame: f }),
        onAudio: () => undefined, onClose: (e) => dispatch({ type: "closed", error: e }) },
      () => ({ page: "/calls", voice: false, greet: false, tour: tourHello(state.tour) }),
      (url) => new FakeSocket(url), async () => "ws://host/guide?token=t");
    await client.start();
    FakeSocket.all[0]!.accept();
    expect(FakeSocket.all[0]!.json()[0]).toEqual({ type: "hello", page: "/calls", voice: false, greet: false });
    FakeSocket.all[0]!.push({ type: "tour", name: "quick_tour", state: "running", step: 4, of: 11, title: "Calls table", page: "calls", element: "calls-table", narration_ms: 7000 });
    FakeSocket.all[0]!.drop();
    expect(state.tour).toMatchObject({ name: "quick_tour", state: "paused", step: 4, element: "calls-table", resumeOnReconnect: true });
    expect(state.highlight).toBe("calls-table");                      // the page keeps the spotlight meanwhile
    await vi.advanceTimersByTimeAsync(1000);
    FakeSocket.all[1]!.accept();
    expect(FakeSocket.all[1]!.json()[0]).toEqual({ type: "hello", page: "/calls", voice: false, greet: false,
      tour: { name: "quick_tour", step: 4, state: "running" } });
    FakeSocket.all[1]!.push({ type: "tour", name: "quick_tour", state: "running", step: 4, of: 11, title: "Calls table", page: "calls", element: "calls-table", narration_ms: 7000 });
    expect(state.tour).toMatchObject({ state: "running", step: 4 });
    expect(state.tour?.resumeOnReconnect).toBeUndefined();
    // Paused by the user while the socket was down: the reconnect keeps it paused.
    FakeSocket.all[1]!.drop();
    dispatch({ type: "tour_action", action: "pause" });
    await vi.advanceTimersByTimeAsync(1000);
    FakeSocket.all[2]!.accept();
    expect(FakeSocket.all[2]!.json()[0]).toMatchObject({ tour: { name: "quick_tour", step: 4, state: "paused" } });
    client.stop();
  });

  it("sends no tour in the hello once it is done or stopped", () => {
    const base = { name: "quick_tour", step: 10, of: 11, title: "", page: "test-call", element: null, narrationMs: 0 };
    expect(tourHello(null)).toBeNull();
    expect(tourHello({ ...base, state: "done" })).toBeNull();
    expect(tourHello({ ...base, state: "stopped", resumeOnReconnect: true })).toBeNull();
    expect(tourHello({ ...base, state: "paused" })).toEqual({ name: "quick_tour", step: 10, state: "paused" });
  });

  it("does not retry when the sign-in is refused", async () => {
    vi.useFakeTimers();
    const { client, closes } = harness(false);
    await client.start();
    FakeSocket.all[0]!.drop(1008);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(closes[0]).toMatch(/sign-in/);
  });
});

function run(actions: GuideAction[], from: GuideState = initialGuide): GuideState {
  return actions.reduce(guideReducer, from);
}
const server = (frame: Record<string, unknown>): GuideAction => ({ type: "server", frame });

describe("guide state", () => {
  it("follows a voice turn: ready, listening with an interim transcript, thinking, speaking, metrics", () => {
    const s = run([
      { type: "connecting" }, { type: "open" },
      server({ type: "ready", voice: true, role: "supervisor" }),
      server({ type: "state", state: "listening" }),
      server({ type: "transcript", text: "show me the", final: false }),
    ]);
    expect(s).toMatchObject({ connection: "open", ready: true, voice: true, role: "supervisor", mode: "listening", partial: "show me the" });
    const t = run([
      server({ type: "transcript", text: "show me the calls page", final: true }),
      server({ type: "state", state: "thinking" }),
      server({ type: "tool", name: "navigate", arguments: { page: "calls" }, result: { ok: true } }),
      server({ type: "say", turn: 3, text: "Here are the calls." }),
      server({ type: "say", turn: 3, text: "Newest first." }),
      server({ type: "audio_start", turn: 3, sample_rate: 24000 }),
      server({ type: "state", state: "speaking" }),
      server({ type: "metrics", turn: 3, eos_to_first_audio_ms: 212.5, stt_final_ms: 100, brain_ms: 4, tts_first_byte_ms: 90, overhead_ms: 8 }),
      server({ type: "state", state: "bogus" }),
    ], s);
    expect(t.partial).toBe("");
    expect(t.mode).toBe("speaking");
    expect(t.audioTurn).toBe(3);
    expect(t.messages).toEqual([
      { kind: "user", text: "show me the calls page", spoken: true },
      { kind: "tool", name: "navigate", arguments: { page: "calls" }, result: { ok: true } },
      { kind: "archer", turn: 3, text: "Here are the calls. Newest first." },
    ]);
    expect(t.metrics).toMatchObject({ turn: 3, eos_to_first_audio_ms: 212.5, overhead_ms: 8 });
    expect(run([{ type: "interrupted" }], t)).toMatchObject({ mode: "listening", audioTurn: null });
    expect(run([{ type: "client_metrics", metrics: { turn: 3, eos_to_first_audio_ms: 2712.3 } }], t).clientMetrics)
      .toEqual({ turn: 3, eos_to_first_audio_ms: 2712.3 });
  });

  it("falls back to text with the server's reason and shows typed questions and errors", () => {
    const s = run([
      server({ type: "ready", voice: false, role: "viewer", reason: "no Cartesia key" }),
      { type: "typed", text: "what was our success rate?" },
      server({ type: "error", message: "Too long." }),
    ]);
    expect(s).toMatchObject({ voice: false, voiceReason: "no Cartesia key", mode: "idle" });
    expect(s.messages.map((m) => m.kind)).toEqual(["user", "error"]);
  });

  it("tracks the tour and its highlight, clearing it when the tour ends", () => {
    const s = run([
      server({ type: "tour", state: "running", step: 0, of: 9, title: "Dashboard", page: "dashboard", element: "dashboard-kpis", narration_ms: 9000 }),
    ]);
    expect(s.tour).toMatchObject({ state: "running", step: 0, of: 9, page: "dashboard", element: "dashboard-kpis", narrationMs: 9000 });
    expect(s.highlight).toBe("dashboard-kpis");
    const paused = run([server({ type: "tour", state: "paused", step: 0, of: 9, title: "Dashboard", page: "dashboard", element: "dashboard-kpis" })], s);
    expect(paused.highlight).toBe("dashboard-kpis");
    const dropped = run([{ type: "closed", error: "lost" }], s);
    expect(dropped.tour?.state).toBe("paused");
    const done = run([server({ type: "tour", state: "done", step: 8, of: 9, title: "", page: "quality", element: null })], s);
    expect(done.highlight).toBeNull();
    expect(run([server({ type: "action", action: "highlight", element: "calls-table" })]).highlight).toBe("calls-table");
    expect(run([server({ type: "action", action: "clear_highlight" })], s).highlight).toBeNull();
  });
});
