import { describe, expect, it } from "vitest";
import { normalizeLive } from "./live";

describe("normalizeLive", () => {
  it("reads the voice service's envelope (type, call_id, data)", () => {
    expect(normalizeLive({ type: "transcript", call_id: "c1", at: "t", data: { speaker: "agent", text: "Hi" } }))
      .toEqual({ type: "transcript", callId: "c1", data: { speaker: "agent", text: "Hi" } });
  });

  it("accepts `event` for the type and a flat payload", () => {
    expect(normalizeLive({ event: "call_ended", call_id: "c2", reason: "completed" }))
      .toMatchObject({ type: "call_ended", callId: "c2", data: { reason: "completed" } });
  });

  it("drops frames without a type", () => {
    expect(normalizeLive({ call_id: "x" })).toBeNull();
    expect(normalizeLive("hello")).toBeNull();
    expect(normalizeLive(null)).toBeNull();
  });
});
