// The /guide socket: sends the contract's client frames, hands JSON frames and audio to callbacks, reconnects
// with backoff while wanted, and drops audio after an interrupt until the next audio_start.
import { authedWsUrl } from "../auth/token";
import { voiceBase } from "../auth/config";
import type { TourHello } from "./protocol";

/** `tour` (a reconnect): where the running or paused tour was, so the server carries on from that step. */
export interface GuideHello { page: string; voice: boolean; greet: boolean; tour?: TourHello | null }

export interface GuideCallbacks {
  onOpen: () => void;
  onFrame: (frame: Record<string, unknown>) => void;
  onAudio: (pcm: ArrayBuffer, sampleRate: number) => void;
  onClose: (error?: string) => void;
}

type Socket = Pick<WebSocket, "send" | "close" | "readyState" | "binaryType"> & {
  onopen: ((ev: Event) => unknown) | null;
  onmessage: ((ev: MessageEvent) => unknown) | null;
  onclose: ((ev: CloseEvent) => unknown) | null;
  onerror: ((ev: Event) => unknown) | null;
};

export const MAX_TEXT = 500;
const MAX_QUEUED = 10;

export class GuideClient {
  private socket: Socket | null = null;
  private stopped = true;
  private attempts = 0;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private acceptAudio = false;
  private sampleRate = 24_000;
  private greeted = false;
  private queue: string[] = []; // frames typed while the socket was still opening: sent right after the hello

  constructor(
    private readonly callbacks: GuideCallbacks,
    private readonly hello: () => GuideHello,
    private readonly open: (url: string) => Socket = (url) => new WebSocket(url),
    private readonly url: () => Promise<string> = () => authedWsUrl(voiceBase(), "/guide"),
  ) {}

  get connected(): boolean {
    return this.socket?.readyState === 1;
  }

  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    await this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.queue = [];
    clearTimeout(this.retry);
    const s = this.socket;
    this.socket = null;
    s?.close(1000, "closed by the user");
  }

  private async connect(): Promise<void> {
    let socket: Socket;
    try {
      socket = this.open(await this.url());
    } catch (err) {
      this.callbacks.onClose((err as Error).message || "Could not reach Archer.");
      return;
    }
    if (this.stopped) {
      socket.close();
      return;
    }
    this.socket = socket;
    socket.binaryType = "arraybuffer";
    socket.onopen = () => {
      this.attempts = 0;
      const { tour, ...hello } = this.hello();
      // Greet once per page load even if the socket reconnects.
      socket.send(JSON.stringify({ type: "hello", ...hello, greet: hello.greet && !this.greeted, ...(tour ? { tour } : {}) }));
      this.greeted = this.greeted || hello.greet;
      for (const frame of this.queue.splice(0)) socket.send(frame);
      this.callbacks.onOpen();
    };
    socket.onmessage = (ev) => this.receive(ev.data);
    socket.onerror = () => undefined; // onclose follows and reports
    socket.onclose = (ev) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.acceptAudio = false;
      const clean = ev.code === 1000;
      this.callbacks.onClose(clean ? undefined : closeReason(ev.code, ev.reason));
      if (!this.stopped && ev.code !== 1008 && ev.code !== 4401 && ev.code !== 4403) {
        this.retry = setTimeout(() => void this.connect(), Math.min(30_000, 1000 * 2 ** this.attempts++));
      }
    };
  }

  private receive(data: unknown): void {
    if (data instanceof ArrayBuffer) {
      if (this.acceptAudio) this.callbacks.onAudio(data, this.sampleRate);
      return;
    }
    let frame: unknown;
    try {
      frame = JSON.parse(String(data));
    } catch {
      return;
    }
    if (!frame || typeof frame !== "object") return;
    const f = frame as Record<string, unknown>;
    if (f.type === "audio_start") {
      this.acceptAudio = true;
      if (typeof f.sample_rate === "number" && f.sample_rate > 0) this.sampleRate = f.sample_rate;
    } else if (f.type === "audio_end") {
      this.acceptAudio = false;
    }
    this.callbacks.onFrame(f);
  }

  /** Sends now, or — for a text frame while the socket is (re)opening — after the hello; audio is never queued. */
  private send(payload: Record<string, unknown> | ArrayBuffer): boolean {
    const s = this.socket;
    if (s && s.readyState === 1) {
      s.send(payload instanceof ArrayBuffer ? payload : JSON.stringify(payload));
      return true;
    }
    if (this.stopped || payload instanceof ArrayBuffer || this.queue.length >= MAX_QUEUED) return false;
    this.queue.push(JSON.stringify(payload));
    return true;
  }

  text(text: string): boolean {
    const t = text.trim().slice(0, MAX_TEXT);
    return t ? this.send({ type: "text", text: t }) : false;
  }

  audio(pcm: ArrayBuffer): boolean {
    return this.send(pcm);
  }

  ptt(state: "down" | "up"): boolean {
    if (state === "down") this.acceptAudio = false;
    return this.send({ type: "ptt", state });
  }

  /** Barge-in: the caller has already stopped playback; audio still in flight is dropped. */
  interrupt(): boolean {
    this.acceptAudio = false;
    return this.send({ type: "interrupt" });
  }

  page(path: string): boolean {
    return this.send({ type: "page", path });
  }

  /** The page's own end of speech → first played sample for a spoken turn (logged beside the server's figures). */
  clientMetrics(turn: number, eosToFirstAudioMs: number): boolean {
    if (!Number.isFinite(eosToFirstAudioMs) || eosToFirstAudioMs < 0 || eosToFirstAudioMs > 60_000) return false;
    return this.send({ type: "client_metrics", turn, eos_to_first_audio_ms: Math.round(eosToFirstAudioMs * 10) / 10 });
  }

  tour(action: "start" | "pause" | "resume" | "stop"): boolean {
    return this.send({ type: "tour", action });
  }
}

function closeReason(code: number, reason: string): string {
  if (code === 1008 || code === 4401 || code === 4403) return reason || "Archer could not verify your sign-in.";
  if (code === 4429 || code === 1013) return reason || "Too many guide sessions; try again in a minute.";
  return "The connection to Archer was lost; reconnecting…";
}
