// The panel over a fake /guide socket: first-visit greeting (remembered), the text fallback, the server's
// navigate action, the live log, and push-to-talk never stealing the space bar from a text field.
import { act, fireEvent, screen } from "@testing-library/react";
import { Route, Routes, useLocation } from "react-router";
import { describe, expect, it, vi } from "vitest";
import { renderApp } from "../test/render";
import { GREETED_KEY, GuideProvider, spaceIsPushToTalk } from "./GuideProvider";
import { GuideGreeting, GuideLauncher, GuidePanel } from "./GuidePanel";
import { TourOverlay } from "./TourOverlay";

class FakeWs {
  static last: FakeWs | null = null;
  readyState = 0;
  binaryType = "blob";
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeWs.last = this;
    setTimeout(() => {
      this.readyState = 1;
      this.onopen?.();
    }, 0);
  }
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.readyState = 3;
  }
  push(frame: Record<string, unknown>) {
    act(() => this.onmessage?.({ data: JSON.stringify(frame) }));
  }
  frames() {
    return this.sent.map((s) => JSON.parse(s) as Record<string, unknown>);
  }
}

function Where() {
  const loc = useLocation();
  return <p data-testid="where">{loc.pathname}</p>;
}

function mount() {
  vi.stubGlobal("WebSocket", FakeWs);
  return renderApp(
    <GuideProvider>
      <GuideLauncher />
      <GuideGreeting />
      <Routes><Route path="*" element={<><Where /><section data-guide="calls-table">calls</section></>} /></Routes>
      <GuidePanel />
      <TourOverlay />
    </GuideProvider>,
    { role: "viewer", path: "/" },
  );
}

describe("guide panel", () => {
  it("greets on the first visit only and remembers the dismissal", () => {
    mount();
    expect(screen.getByRole("region", { name: "Welcome from Archer" })).toBeInTheDocument();
    fireEvent.click(screen.getByRole("button", { name: "Dismiss the welcome" }));
    expect(screen.queryByRole("region", { name: "Welcome from Archer" })).not.toBeInTheDocument();
    expect(localStorage.getItem(GREETED_KEY)).toBe("1");
  });

  it("answers typed questions in the live log and follows navigate actions (text fallback)", async () => {
    mount();
    fireEvent.click(screen.getByRole("button", { name: "Talk to Archer" }));
    const input = await screen.findByLabelText("Ask Archer");
    expect(input).toHaveFocus();
    await act(async () => { await new Promise((r) => setTimeout(r, 5)); });
    const ws = FakeWs.last!;
    expect(ws.url).toMatch(/\/guide\?token=/);
    expect(ws.frames()[0]).toEqual({ type: "hello", page: "/", voice: false, greet: true });
    ws.push({ type: "ready", voice: false, role: "viewer", reason: "voice is not configured" });
    expect(screen.getByTestId("guide-voice-note")).toHaveTextContent("Voice is not configured. Type your questions below.");
    expect(screen.queryByRole("button", { name: "Hold to talk" })).not.toBeInTheDocument();

    fireEvent.change(input, { target: { value: "show me the calls page" } });
    fireEvent.submit(input.closest("form")!);
    expect(ws.frames().at(-1)).toEqual({ type: "text", text: "show me the calls page" });
    ws.push({ type: "state", state: "thinking" });
    expect(screen.getByTestId("guide")).toHaveAttribute("data-state", "thinking");
    ws.push({ type: "tool", name: "navigate", arguments: { page: "calls" }, result: {} });
    ws.push({ type: "action", action: "navigate", path: "/calls" });
    ws.push({ type: "say", turn: 1, text: "Here is the Calls page." });
    ws.push({ type: "state", state: "idle" });
    expect(screen.getByTestId("where")).toHaveTextContent("/calls");
    expect(ws.frames().at(-1)).toEqual({ type: "page", path: "/calls" });
    const log = screen.getByRole("log", { name: "Conversation with Archer" });
    expect(log).toHaveTextContent("show me the calls page");
    expect(log).toHaveTextContent("Ran navigate");
    expect(log).toHaveTextContent("Here is the Calls page.");

    ws.push({ type: "action", action: "highlight", element: "calls-table" });
    expect(screen.getByTestId("guide-overlay")).toHaveAttribute("data-highlight", "calls-table");
    expect(document.querySelector('[data-guide="calls-table"]')).toHaveAttribute("data-guide-active");
    expect(screen.getByTestId("guide-caption")).toHaveTextContent("direction, status, outcome");

    fireEvent.keyDown(input, { key: "Escape" });
    expect(screen.queryByRole("complementary", { name: "Archer guide" })).not.toBeInTheDocument();
  });

  it("shows the tour's step with Pause, Resume and Stop", async () => {
    localStorage.setItem(GREETED_KEY, "1");
    mount();
    fireEvent.click(screen.getByRole("button", { name: "Ask Archer" }));
    await act(async () => { await new Promise((r) => setTimeout(r, 5)); });
    const ws = FakeWs.last!;
    fireEvent.click(screen.getByRole("button", { name: "Quick tour" }));
    expect(ws.frames().at(-1)).toEqual({ type: "tour", action: "start" });
    expect(screen.queryByRole("complementary", { name: "Archer guide" })).not.toBeInTheDocument(); // the page stays visible
    ws.push({ type: "tour", state: "running", step: 4, of: 11, title: "Calls table", page: "calls", element: "calls-table", narration_ms: 7000 });
    ws.push({ type: "say", turn: 5, text: "Each row shows the outcome." });
    expect(screen.getByTestId("guide-tour-step")).toHaveTextContent("step 5 of 11");
    expect(screen.getByTestId("guide-caption")).toHaveTextContent("Each row shows the outcome.");
    fireEvent.click(screen.getByTestId("guide-overlay-catcher"));               // a click on the page pauses
    expect(ws.frames().at(-1)).toEqual({ type: "tour", action: "pause" });
    ws.push({ type: "tour", state: "paused", step: 4, of: 11, title: "Calls table", page: "calls", element: "calls-table", narration_ms: 7000 });
    expect(screen.queryByTestId("guide-overlay-catcher")).not.toBeInTheDocument();
    fireEvent.click(screen.getByRole("button", { name: "Resume tour" }));
    expect(ws.frames().at(-1)).toEqual({ type: "tour", action: "resume" });
    fireEvent.click(screen.getByRole("button", { name: "Stop tour" }));
    expect(ws.frames().at(-1)).toEqual({ type: "tour", action: "stop" });
    ws.push({ type: "tour", state: "stopped", step: 4, of: 11, title: "Calls table", page: "calls", element: "calls-table", narration_ms: 0 });
    expect(screen.queryByTestId("guide-overlay")).not.toBeInTheDocument();
  });

  it("keeps the space bar for text fields and controls", () => {
    const input = document.createElement("input");
    const button = document.createElement("button");
    const div = document.createElement("div");
    document.body.append(input, button, div);
    expect(spaceIsPushToTalk(input)).toBe(false);
    expect(spaceIsPushToTalk(button)).toBe(false);
    expect(spaceIsPushToTalk(div)).toBe(true);
    expect(spaceIsPushToTalk(document.body)).toBe(true);
  });
});
