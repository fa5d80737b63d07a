// The browser's own speech synthesis and recognition, used by the simulator when the browser has them.
interface Recognition {
  lang: string;
  interimResults: boolean;
  onresult: ((e: { results: ArrayLike<ArrayLike<{ transcript: string }>> }) => void) | null;
  onend: (() => void) | null;
  onerror: (() => void) | null;
  start(): void;
  stop(): void;
}

type RecognitionCtor = new () => Recognition;

function recognitionCtor(): RecognitionCtor | null {
  const w = window as unknown as { SpeechRecognition?: RecognitionCtor; webkitSpeechRecognition?: RecognitionCtor };
  return w.SpeechRecognition ?? w.webkitSpeechRecognition ?? null;
}

export const speechSupport = {
  synthesis: () => typeof window !== "undefined" && "speechSynthesis" in window,
  recognition: () => typeof window !== "undefined" && recognitionCtor() !== null,
};

export function speak(text: string): void {
  if (!speechSupport.synthesis()) return;
  const u = new SpeechSynthesisUtterance(text);
  u.lang = "en-US";
  window.speechSynthesis.speak(u);
}

export function stopSpeaking(): void {
  if (speechSupport.synthesis()) window.speechSynthesis.cancel();
}

/** Listens for one utterance and resolves with its text ("" when nothing was heard). */
export function listenOnce(): Promise<string> {
  const Ctor = recognitionCtor();
  if (!Ctor) return Promise.reject(new Error("speech recognition is not available in this browser"));
  return new Promise((resolve) => {
    const r = new Ctor();
    r.lang = "en-US";
    r.interimResults = false;
    let heard = "";
    r.onresult = (e) => { heard = Array.from(e.results).map((res) => res[0]?.transcript ?? "").join(" "); };
    r.onerror = () => resolve("");
    r.onend = () => resolve(heard.trim());
    r.start();
  });
}
