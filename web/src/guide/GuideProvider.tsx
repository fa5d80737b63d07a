// The guide's session for the whole app: one /guide socket, the microphone and the speaker, push-to-talk on the
// space bar, barge-in, and the server's navigate actions. The panel and the tour overlay read it from context.
import { createContext, useCallback, useContext, useEffect, useMemo, useReducer, useRef, useState, type ReactNode } from "react";
import { useLocation, useNavigate } from "react-router";
import { EnergyVad, LastVoiced, Player, startMic, type MicHandle } from "./audio";
import { GuideClient } from "./client";
import { guideReducer, initialGuide, tourHello, type GuideState } from "./protocol";

export const GREETED_KEY = "archer.guide.greeted";
const MIC_IDLE_MS = 20_000;

export interface GuideApi {
  state: GuideState;
  open: boolean;
  setOpen: (open: boolean) => void;
  /** First visit: the greeting has not been dismissed or accepted yet. */
  greetPending: boolean;
  dismissGreeting: () => void;
  acceptGreeting: () => void;
  ask: (text: string) => void;
  tour: (action: "start" | "pause" | "resume" | "stop") => void;
  voiceSupported: boolean;
  handsFree: boolean;
  setHandsFree: (on: boolean) => void;
  talking: boolean;
  pttDown: () => void;
  pttUp: () => void;
  stopSpeaking: () => void;
  playedSamples: number;
  micError: string | null;
  /** Current audio level 0..1 (the mic while the user speaks, else Archer's voice), for the waveform. */
  level: () => number;
}

const GuideContext = createContext<GuideApi | null>(null);

export function useGuide(): GuideApi {
  const api = useContext(GuideContext);
  if (!api) throw new Error("useGuide outside GuideProvider");
  return api;
}

function readGreeted(): boolean {
  try {
    return localStorage.getItem(GREETED_KEY) === "1";
  } catch {
    return true; // storage blocked: do not nag on every page
  }
}

function voiceCapable(): boolean {
  return typeof window !== "undefined" && typeof AudioContext !== "undefined" && typeof AudioWorkletNode !== "undefined"
    && !!navigator.mediaDevices?.getUserMedia;
}

/** Keys typed into a field or pressed on a control keep their meaning; space elsewhere is push-to-talk. */
export function spaceIsPushToTalk(target: EventTarget | null): boolean {
  if (!(target instanceof Element)) return true;
  return !target.closest("input, textarea, select, button, a[href], [contenteditable=''], [contenteditable='true'], [role='button'], [role='menuitem'], [role='slider']");
}

export function GuideProvider({ children }: { children: ReactNode }) {
  const [state, dispatch] = useReducer(guideReducer, initialGuide);
  const [open, setOpenState] = useState(false);
  const [greetPending, setGreetPending] = useState(() => !readGreeted());
  const [handsFree, setHandsFreeState] = useState(false);
  const [talking, setTalking] = useState(false);
  const [playedSamples, setPlayed] = useState(0);
  const [micError, setMicError] = useState<string | null>(null);
  const navigate = useNavigate();
  const location = useLocation();
  const path = `${location.pathname}${location.search}`;
  const pathRef = useRef(path);
  pathRef.current = path;
  const greetRef = useRef(false);
  const stateRef = useRef(state);
  stateRef.current = state;
  const voiceSupported = useMemo(voiceCapable, []);

  const ctxRef = useRef<AudioContext | null>(null);
  const playerRef = useRef<Player | null>(null);
  const micRef = useRef<MicHandle | null>(null);
  const micIdle = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const micStarting = useRef<Promise<MicHandle | null> | null>(null);
  const sendingRef = useRef(false); // mic frames go to the server (PTT held or hands-free)
  const handsFreeRef = useRef(false);
  const vad = useRef(new EnergyVad());
  // End of speech where the user is: the VAD's last voiced frame, taken when the STT's final transcript arrives and
  // closed by the first played sample of that turn's answer.
  const lastVoiced = useRef(new LastVoiced());
  const spokenEos = useRef<number | null>(null);
  const measuring = useRef<{ turn: number; eos: number } | null>(null);
  const clientRef = useRef<GuideClient | null>(null);

  const audio = useCallback((): Player | null => {
    if (!voiceSupported) return null;
    if (!ctxRef.current) {
      const ctx = new AudioContext({ latencyHint: "interactive" });
      ctxRef.current = ctx;
      const player = new Player(ctx);
      player.onPlayed = (n) => setPlayed(n);
      player.onIdle = () => undefined;
      playerRef.current = player;
    }
    if (ctxRef.current.state === "suspended") void ctxRef.current.resume();
    return playerRef.current;
  }, [voiceSupported]);

  const bargeIn = useCallback(() => {
    const player = playerRef.current;
    if (!player?.playing) return;
    player.stop();
    clientRef.current?.interrupt();
    dispatch({ type: "interrupted" });
  }, []);

  if (!clientRef.current) {
    clientRef.current = new GuideClient(
      {
        onOpen: () => dispatch({ type: "open" }),
        onClose: (error) => dispatch({ type: "closed", error }),
        onAudio: (pcm, rate) => {
          const heardAt = playerRef.current?.enqueue(pcm, rate) ?? null;
          const m = measuring.current;
          if (m && heardAt !== null) {
            measuring.current = null;
            const ms = Math.round(Math.max(0, heardAt - m.eos) * 10) / 10;
            dispatch({ type: "client_metrics", metrics: { turn: m.turn, eos_to_first_audio_ms: ms } });
            clientRef.current?.clientMetrics(m.turn, ms);
          }
        },
        onFrame: (frame) => {
          if (frame.type === "transcript" && frame.final === true && typeof frame.text === "string" && frame.text.trim()) {
            spokenEos.current = lastVoiced.current.take();
          } else if (frame.type === "audio_start") {
            const eos = spokenEos.current;
            spokenEos.current = null;
            measuring.current = eos !== null && typeof frame.turn === "number" ? { turn: frame.turn, eos } : null;
          }
          if (frame.type === "action" && frame.action === "navigate" && typeof frame.path === "string" && frame.path.startsWith("/")) {
            if (frame.path !== pathRef.current) navigate(frame.path);
          }
          if (frame.type === "tour" && (frame.state === "paused" || frame.state === "stopped")) playerRef.current?.stop();
          const before = stateRef.current.tour?.state;
          if (frame.type === "tour" && frame.state === "running" && before !== "running" && before !== "paused") {
            setOpenState(false); // a tour just started (by asking, too): the page and the spotlight stay visible
          }
          dispatch({ type: "server", frame });
        },
      },
      () => ({ page: pathRef.current, voice: voiceCapable(), greet: greetRef.current, tour: tourHello(stateRef.current.tour) }),
    );
  }
  const client = clientRef.current;

  useEffect(() => () => {
    client.stop();
    micRef.current?.stop();
    void ctxRef.current?.close();
  }, [client]);

  useEffect(() => {
    if (stateRef.current.connection === "open") client.page(path);
  }, [client, path]);

  const connect = useCallback(() => {
    dispatch({ type: "connecting" });
    void client.start();
  }, [client]);

  const markGreeted = useCallback(() => {
    setGreetPending(false);
    try {
      localStorage.setItem(GREETED_KEY, "1");
    } catch {
      /* storage blocked: the greeting comes back next visit */
    }
  }, []);

  const setOpen = useCallback((next: boolean) => {
    setOpenState(next);
    if (next) {
      audio();
      if (!client.connected) connect();
    }
  }, [audio, client, connect]);

  const ensureMic = useCallback(async (): Promise<MicHandle | null> => {
    if (micRef.current) return micRef.current;
    if (!micStarting.current) {
      const ctx = ctxRef.current;
      if (!ctx) return null;
      micStarting.current = startMic(ctx, (pcm, level) => {
        const player = playerRef.current;
        // Barge-in: the user's voice while Archer speaks (echo cancellation keeps Archer's own voice out).
        if (player?.playing && vad.current.push(level)) bargeIn();
        if (sendingRef.current) {
          lastVoiced.current.push(level, performance.now());
          client.audio(pcm);
        }
      }).then((mic) => {
        micRef.current = mic;
        setMicError(null);
        return mic;
      }).catch((err: Error) => {
        setMicError(err.name === "NotAllowedError" ? "Microphone access was denied; type your question instead." : "No microphone is available; type your question instead.");
        return null;
      }).finally(() => {
        micStarting.current = null;
      });
    }
    return micStarting.current;
  }, [bargeIn, client]);

  const pttDown = useCallback(() => {
    if (!stateRef.current.voice) return;
    clearTimeout(micIdle.current);
    audio();
    playerRef.current?.stop();
    sendingRef.current = true;
    lastVoiced.current.take(); // a new turn: nothing voiced yet
    setTalking(true);
    client.ptt("down");
    dispatch({ type: "interrupted" });
    void ensureMic();
  }, [audio, client, ensureMic]);

  const pttUp = useCallback(() => {
    if (!sendingRef.current || handsFreeRef.current) {
      setTalking(false);
      return;
    }
    sendingRef.current = false;
    setTalking(false);
    client.ptt("up");
    // The microphone stays open briefly for the next press (no clipped first word), then closes: no open mic at rest.
    clearTimeout(micIdle.current);
    micIdle.current = setTimeout(() => {
      if (sendingRef.current || handsFreeRef.current) return;
      micRef.current?.stop();
      micRef.current = null;
    }, MIC_IDLE_MS);
  }, [client]);

  const setHandsFree = useCallback((on: boolean) => {
    handsFreeRef.current = on;
    setHandsFreeState(on);
    if (on) {
      audio();
      void ensureMic().then((mic) => {
        if (mic && handsFreeRef.current) sendingRef.current = true;
        else if (!mic) {
          handsFreeRef.current = false;
          setHandsFreeState(false);
        }
      });
    } else {
      sendingRef.current = false;
      micRef.current?.stop();
      micRef.current = null;
    }
  }, [audio, ensureMic]);

  // Push-to-talk on the space bar while the guide is connected with voice (never while typing).
  useEffect(() => {
    if (!state.voice || state.connection !== "open") return;
    let held = false;
    const down = (e: KeyboardEvent) => {
      if (e.code !== "Space" || e.repeat || e.altKey || e.ctrlKey || e.metaKey || !spaceIsPushToTalk(e.target)) return;
      e.preventDefault();
      held = true;
      pttDown();
    };
    const up = (e: KeyboardEvent) => {
      if (e.code !== "Space" || !held) return;
      e.preventDefault();
      held = false;
      pttUp();
    };
    window.addEventListener("keydown", down);
    window.addEventListener("keyup", up);
    return () => {
      window.removeEventListener("keydown", down);
      window.removeEventListener("keyup", up);
    };
  }, [state.voice, state.connection, pttDown, pttUp]);

  const ask = useCallback((text: string) => {
    const t = text.trim();
    if (!t) return;
    audio();
    bargeIn();
    if (!client.connected) connect();
    spokenEos.current = null; // a typed question is not a spoken turn
    if (client.text(t)) dispatch({ type: "typed", text: t });
    else dispatch({ type: "server", frame: { type: "error", message: "Archer is not connected; try again in a moment." } });
  }, [audio, bargeIn, client, connect]);

  const tour = useCallback((action: "start" | "pause" | "resume" | "stop") => {
    audio();
    if (action !== "start" && action !== "resume") playerRef.current?.stop();
    if (action === "start") setOpenState(false); // the overlay carries the captions; the page stays visible
    if (action === "start" && !client.connected) connect();
    dispatch({ type: "tour_action", action });
    client.tour(action); // queued until the socket is open when the tour starts the session
  }, [audio, client, connect]);

  const level = useCallback(
    () => (sendingRef.current ? micRef.current?.level() ?? 0 : playerRef.current?.level() ?? 0), []);

  const api: GuideApi = {
    state, open, setOpen, greetPending,
    dismissGreeting: markGreeted,
    acceptGreeting: () => {
      markGreeted();
      greetRef.current = true;
      setOpen(true);
    },
    ask, tour, voiceSupported, handsFree, setHandsFree, talking, pttDown, pttUp,
    stopSpeaking: bargeIn, playedSamples, micError,
    level,
  };
  return <GuideContext.Provider value={api}>{children}</GuideContext.Provider>;
}
