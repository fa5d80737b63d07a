// Browser audio for the guide: the microphone path (AudioWorklet → resample to 16 kHz → 20 ms PCM s16le frames,
// with an energy VAD for barge-in) and playback of the server's PCM s16le 24 kHz frames, stoppable at once.
// A file, never a data: URL: the CSP (script-src 'self') would refuse an inlined worklet.
import micWorkletUrl from "./mic-worklet.js?url&no-inline";

export const MIC_RATE = 16_000;
export const FRAME_SAMPLES = 320; // 20 ms at 16 kHz = 640 bytes

/** Streaming resampler: each output sample averages the input samples it covers (a box low-pass, enough against
 * aliasing for speech going down to 16 kHz); upsampling interpolates linearly. Carries the remainder between
 * chunks, so feeding a signal in pieces gives the same output as feeding it whole. */
export class Resampler {
  private readonly ratio: number;
  private carry: Float32Array = new Float32Array(0);
  private pos = 0; // position of the next output sample in `carry` coordinates (input samples)

  constructor(readonly inRate: number, readonly outRate: number) {
    if (!(inRate > 0 && outRate > 0)) throw new Error("sample rates must be positive");
    this.ratio = inRate / outRate;
  }

  push(input: Float32Array): Float32Array {
    const buf = new Float32Array(this.carry.length + input.length);
    buf.set(this.carry);
    buf.set(input, this.carry.length);
    const r = this.ratio;
    const out: number[] = [];
    let pos = this.pos;
    if (r >= 1) {
      while (pos + r <= buf.length + 1e-9) {
        const a = Math.floor(pos + 1e-9);
        const b = Math.max(a + 1, Math.floor(pos + r + 1e-9));
        let sum = 0;
        for (let i = a; i < b; i++) sum += buf[i]!;
        out.push(sum / (b - a));
        pos += r;
      }
    } else {
      while (pos + 1 < buf.length) {
        const a = Math.floor(pos);
        const t = pos - a;
        out.push(buf[a]! * (1 - t) + buf[a + 1]! * t);
        pos += r;
      }
    }
    const keep = Math.floor(pos + 1e-9);
    this.carry = buf.slice(Math.min(keep, buf.length));
    this.pos = pos - keep;
    return Float32Array.from(out);
  }
}

/** One-shot resample (tests, clips). */
export function resample(input: Float32Array, inRate: number, outRate: number): Float32Array {
  return new Resampler(inRate, outRate).push(input);
}

export function floatToPcm16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const s = Math.max(-1, Math.min(1, samples[i]!));
    out[i] = s < 0 ? Math.round(s * 0x8000) : Math.round(s * 0x7fff);
  }
  return out;
}

export function pcm16ToFloat(bytes: ArrayBuffer): Float32Array<ArrayBuffer> {
  const view = new DataView(bytes);
  const n = Math.floor(bytes.byteLength / 2);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true) / 0x8000;
  return out;
}

/** Cuts a stream of 16 kHz samples into whole 20 ms frames of PCM s16le (little-endian on every platform). */
export class Framer {
  private pending: number[] = [];

  push(samples: Float32Array): ArrayBuffer[] {
    for (const s of samples) this.pending.push(s);
    const frames: ArrayBuffer[] = [];
    while (this.pending.length >= FRAME_SAMPLES) {
      const pcm = floatToPcm16(Float32Array.from(this.pending.splice(0, FRAME_SAMPLES)));
      const buf = new ArrayBuffer(FRAME_SAMPLES * 2);
      const view = new DataView(buf);
      pcm.forEach((v, i) => view.setInt16(i * 2, v, true));
      frames.push(buf);
    }
    return frames;
  }
}

export function rms(samples: Float32Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / samples.length);
}

/** Energy VAD: speech once `onFrames` consecutive frames are above the threshold (so a click is not a barge-in). */
export class EnergyVad {
  private loud = 0;
  constructor(private readonly threshold = 0.04, private readonly onFrames = 4) {}

  /** True on the frame where speech starts. */
  push(frameRms: number): boolean {
    if (frameRms >= this.threshold) {
      this.loud += 1;
      return this.loud === this.onFrames;
    }
    this.loud = 0;
    return false;
  }

  reset(): void {
    this.loud = 0;
  }
}

/**
 * The user's end of speech as the page hears it: the time of the last voiced microphone frame (RMS at or above the
 * VAD's threshold). The guide measures end of speech → first played sample of the answer from it, which — unlike the
 * server's figure in hands-free mode — includes the STT's endpointing.
 */
export class LastVoiced {
  at: number | null = null;
  constructor(private readonly threshold = 0.04) {}

  push(frameRms: number, now: number): void {
    if (frameRms >= this.threshold) this.at = now;
  }

  /** The last voiced time, once (the next turn starts from scratch). */
  take(): number | null {
    const at = this.at;
    this.at = null;
    return at;
  }
}

export interface MicHandle {
  stop: () => void;
  level: () => number; // the last frame's RMS, for the waveform
}

/** Opens the microphone, runs the capture worklet and calls `onFrame` with each 20 ms PCM frame and its RMS. */
export async function startMic(ctx: AudioContext, onFrame: (pcm: ArrayBuffer, level: number) => void): Promise<MicHandle> {
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
  });
  await ctx.audioWorklet.addModule(micWorkletUrl);
  const source = ctx.createMediaStreamSource(stream);
  const node = new AudioWorkletNode(ctx, "guide-mic", { numberOfInputs: 1, numberOfOutputs: 1, channelCount: 1 });
  const mute = ctx.createGain();
  mute.gain.value = 0; // the worklet must be pulled by the graph, but the user must not hear themselves
  source.connect(node).connect(mute).connect(ctx.destination);
  const resampler = new Resampler(ctx.sampleRate, MIC_RATE);
  const framer = new Framer();
  let level = 0;
  node.port.onmessage = (ev: MessageEvent<Float32Array>) => {
    for (const frame of framer.push(resampler.push(ev.data))) {
      level = rms(pcm16ToFloat(frame));
      onFrame(frame, level);
    }
  };
  return {
    level: () => level,
    stop: () => {
      node.port.onmessage = null;
      source.disconnect();
      node.disconnect();
      mute.disconnect();
      for (const t of stream.getTracks()) t.stop();
    },
  };
}

/** Plays PCM s16le chunks back to back on scheduled AudioBufferSourceNodes; `stop()` silences at once. */
export class Player {
  private next = 0;
  private sources = new Set<AudioBufferSourceNode>();
  private analyser: AnalyserNode;
  /** Samples (at the source rate) that finished playing; the browser tests read it. */
  played = 0;
  onIdle: (() => void) | null = null;
  onPlayed: ((total: number) => void) | null = null;

  constructor(private readonly ctx: AudioContext) {
    this.analyser = ctx.createAnalyser();
    this.analyser.fftSize = 256;
    this.analyser.connect(ctx.destination);
  }

  get playing(): boolean {
    return this.sources.size > 0;
  }

  /** Schedules the chunk; returns when its first sample is heard (performance.now() clock), or null if empty. */
  enqueue(bytes: ArrayBuffer, sampleRate: number): number | null {
    const samples = pcm16ToFloat(bytes);
    if (samples.length === 0) return null;
    const buffer = this.ctx.createBuffer(1, samples.length, sampleRate);
    buffer.copyToChannel(samples, 0);
    const src = this.ctx.createBufferSource();
    src.buffer = buffer;
    src.connect(this.analyser);
    const at = Math.max(this.ctx.currentTime + 0.02, this.next);
    src.start(at);
    this.next = at + buffer.duration;
    this.sources.add(src);
    src.onended = () => {
      if (!this.sources.delete(src)) return; // stopped by barge-in: not played out
      this.played += samples.length;
      this.onPlayed?.(this.played);
      if (this.sources.size === 0) this.onIdle?.();
    };
    return this.performanceTime(at);
  }

  /** When a context time is heard on the performance.now() clock: the output timestamp (latency included) if known. */
  performanceTime(at: number): number {
    const ts = typeof this.ctx.getOutputTimestamp === "function" ? this.ctx.getOutputTimestamp() : undefined;
    if (ts?.contextTime !== undefined && ts.performanceTime !== undefined && ts.performanceTime > 0) {
      return ts.performanceTime + (at - ts.contextTime) * 1000;
    }
    return performance.now() + (at - this.ctx.currentTime) * 1000;
  }

  stop(): void {
    const playing = [...this.sources];
    this.sources.clear();
    for (const s of playing) {
      try {
        s.stop();
      } catch {
        /* not started yet */
      }
    }
    this.next = 0;
  }

  level(): number {
    const data = new Float32Array(this.analyser.fftSize);
    this.analyser.getFloatTimeDomainData(data);
    return rms(data);
  }
}
