import { describe, expect, it } from "vitest";
import { initialSim, simReducer, type SimAction, type SimState } from "./sim";

const server = (message: Record<string, unknown>): SimAction => ({ type: "server", message });
const run = (actions: SimAction[], from: SimState = initialSim) => actions.reduce(simReducer, from);

describe("simReducer (the /sim protocol)", () => {
  it("joins an agent turn's chunks into one bubble and listens after turn_end", () => {
    const s = run([{ type: "connect" }, server({ type: "agent", text: "Hello." }), server({ type: "agent", text: "Is this Maria?" }),
      server({ type: "turn_end" })]);
    expect(s.items).toEqual([{ kind: "agent", text: "Hello. Is this Maria?", done: true }]);
    expect(s.status).toBe("listening");
  });

  it("starts a new agent bubble after the caller speaks", () => {
    const s = run([server({ type: "agent", text: "Hi." }), server({ type: "turn_end" }),
      { type: "sent", item: { kind: "caller", text: "Yes." } }, server({ type: "agent", text: "Thanks." })]);
    expect(s.items.map((i) => i.kind)).toEqual(["agent", "caller", "agent"]);
    expect(s.status).toBe("agent");
  });

  it("records tools and compliance events in order", () => {
    const s = run([server({ type: "tool", name: "verify_account", arguments: { a: 1 }, result: { verified: true } }),
      server({ type: "compliance", event: "disclosure_mini_miranda" })]);
    expect(s.items).toEqual([
      { kind: "tool", name: "verify_account", arguments: { a: 1 }, result: { verified: true } },
      { kind: "compliance", event: "disclosure_mini_miranda" },
    ]);
  });

  it("ends with the reason and call id, and a later close does not turn it into an error", () => {
    const s = run([server({ type: "agent", text: "Goodbye." }), server({ type: "end", reason: "completed", call_id: "c-1" }),
      { type: "closed", clean: false }]);
    expect(s).toMatchObject({ status: "ended", endReason: "completed", callId: "c-1" });
    expect(s.items[0]).toMatchObject({ done: true });
  });

  it("reports a dropped connection in words", () => {
    const s = run([{ type: "connect" }, { type: "closed", clean: false }]);
    expect(s.status).toBe("error");
    expect(s.error).toMatch(/lost/);
  });

  it("ignores message types it does not know", () => {
    const before = run([server({ type: "agent", text: "Hi." })]);
    expect(simReducer(before, server({ type: "audio", payload: "…" }))).toBe(before);
  });
});
