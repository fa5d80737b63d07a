import { describe, expect, it } from "vitest";
import { EnergyVad, FRAME_SAMPLES, Framer, LastVoiced, Resampler, floatToPcm16, pcm16ToFloat, resample } from "./audio";

function sine(freq: number, rate: number, seconds: number, amp = 0.5): Float32Array {
  return Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => amp * Math.sin((2 * Math.PI * freq * i) / rate));
}

/** Frequency from upward zero crossings (a plain estimator, good to a few Hz over a second). */
function frequency(x: Float32Array, rate: number): number {
  const ups: number[] = [];
  for (let i = 1; i < x.length; i++) if (x[i - 1]! < 0 && x[i]! >= 0) ups.push(i);
  return ((ups.length - 1) * rate) / (ups[ups.length - 1]! - ups[0]!);
}

describe("resampler", () => {
  it("turns 48 kHz into 16 kHz keeping the length and a sine's frequency", () => {
    const out = resample(sine(440, 48_000, 1), 48_000, 16_000);
    expect(out.length).toBe(16_000);
    expect(Math.abs(frequency(out, 16_000) - 440)).toBeLessThan(2);
    expect(Math.max(...out)).toBeGreaterThan(0.45); // a 440 Hz tone passes the box filter nearly unchanged
  });

  it("gives the same samples when fed in browser-sized pieces", () => {
    const x = sine(1000, 48_000, 0.5);
    const whole = resample(x, 48_000, 16_000);
    const r = new Resampler(48_000, 16_000);
    const parts: number[] = [];
    for (let i = 0; i < x.length; i += 128) parts.push(...r.push(x.subarray(i, i + 128)));
    expect(parts.length).toBe(whole.length);
    parts.forEach((v, i) => expect(v).toBeCloseTo(whole[i]!, 6));
  });

  it("handles 44.1 kHz devices and upsampling", () => {
    const down = resample(sine(300, 44_100, 1), 44_100, 16_000);
    expect(Math.abs(down.length - 16_000)).toBeLessThanOrEqual(1);
    expect(Math.abs(frequency(down, 16_000) - 300)).toBeLessThan(2);
    const up = resample(sine(300, 8_000, 1), 8_000, 16_000);
    expect(Math.abs(up.length - 16_000)).toBeLessThanOrEqual(2);
    expect(Math.abs(frequency(up, 16_000) - 300)).toBeLessThan(2);
  });
});

describe("PCM frames", () => {
  it("cuts 20 ms frames of 640 bytes, little-endian s16, clipping out-of-range samples", () => {
    const framer = new Framer();
    expect(framer.push(new Float32Array(300))).toHaveLength(0);
    const frames = framer.push(Float32Array.from({ length: 400 }, (_, i) => (i === 20 ? 2 : i === 21 ? -2 : 0.25)));
    expect(frames).toHaveLength(2); // 700 samples → 2 whole frames, 60 kept
    expect(frames[0]!.byteLength).toBe(FRAME_SAMPLES * 2);
    const first = new DataView(frames[0]!);
    expect(first.getInt16(0, true)).toBe(0);
    expect(first.getInt16(300 * 2, true)).toBe(8192);   // 0.25 of full scale
    const second = new DataView(frames[1]!);               // sample 320 = input 20 of the second push
    expect([second.getInt16(0, true), second.getInt16(2, true)]).toEqual([32767, -32768]);
    expect(Array.from(floatToPcm16(Float32Array.from([1, -1, 0.5])))).toEqual([32767, -32768, 16384]);
    expect(Array.from(pcm16ToFloat(new Int16Array([16384, -32768]).buffer))).toEqual([0.5, -1]);
  });

  it("calls it speech only after a few loud frames in a row", () => {
    const vad = new EnergyVad(0.05, 3);
    expect([0.2, 0.2, 0.01, 0.2, 0.2].map((v) => vad.push(v))).toEqual([false, false, false, false, false]);
    expect(vad.push(0.2)).toBe(true);
    expect(vad.push(0.2)).toBe(false); // reported once per onset
  });
});

describe("last voiced frame", () => {
  it("keeps the time of the last frame at or above the VAD threshold, once", () => {
    const v = new LastVoiced(0.04);
    expect(v.take()).toBeNull();
    v.push(0.01, 100);                 // quiet before speech
    v.push(0.2, 120);
    v.push(0.05, 140);
    v.push(0.039, 160);                // the trailing quiet does not move it
    v.push(0, 180);
    expect(v.at).toBe(140);
    expect(v.take()).toBe(140);
    expect(v.take()).toBeNull();       // the next turn starts from scratch
  });
});
