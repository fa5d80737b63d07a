// The guide's microphone capture (an AudioWorklet module, emitted by Vite as a static asset via `?url`): batches the mono input into ~20 ms
// blocks at the context's rate and posts them to the page, which resamples them to 16 kHz PCM frames.
class GuideMic extends AudioWorkletProcessor {
  constructor() {
    super();
    this.block = Math.round(sampleRate / 50);
    this.buf = new Float32Array(this.block);
    this.n = 0;
  }

  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (channel) {
      let i = 0;
      while (i < channel.length) {
        const take = Math.min(channel.length - i, this.block - this.n);
        this.buf.set(channel.subarray(i, i + take), this.n);
        this.n += take;
        i += take;
        if (this.n === this.block) {
          this.port.postMessage(this.buf);
          this.buf = new Float32Array(this.block);
          this.n = 0;
        }
      }
    }
    return true;
  }
}

registerProcessor("guide-mic", GuideMic);
