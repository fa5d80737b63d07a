import { screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { renderApp } from "../test/render";
import { Timeline } from "./calls/CallDetailPage";
import { buildTimeline } from "./calls/timeline";
import { SimTranscript } from "./testcall/SimTranscript";

describe("call timeline view", () => {
  it("shows who spoke, when, interrupted turns, tools and compliance events", () => {
    const items = buildTimeline(
      [{ seq: 0, speaker: "agent", text: "Your balance is", interrupted: true, spoken_at: "2026-11-24T10:00:00Z" },
        { seq: 1, speaker: "caller", text: "Hold on", spoken_at: "2026-11-24T10:00:02Z" }],
      [{ seq: 0, name: "verify_account", arguments: { account_last_4: "****" }, result: { verified: true }, success: true,
        duration_ms: "12.5", executed_at: "2026-11-24T10:00:03Z" }],
      [{ id: 1, category: "guard_block", code: "threat_of_arrest", occurred_at: "2026-11-24T10:00:04Z" }],
    );
    renderApp(<Timeline items={items} />);
    const list = screen.getByRole("list", { name: "Call timeline" });
    const rows = within(list).getAllByRole("listitem");
    expect(rows).toHaveLength(4);
    expect(rows[0]).toHaveTextContent(/Archer.*interrupted.*Your balance is/);
    expect(rows[1]).toHaveTextContent(/Customer.*Hold on/);
    expect(rows[2]).toHaveTextContent(/verify_account.*ok.*13 ms/);
    expect(rows[3]).toHaveTextContent(/Guard block.*Threat of arrest/);
  });

  it("says when a live call has no words yet", () => {
    renderApp(<Timeline items={[]} live />);
    expect(screen.getByText("Waiting for the first words…")).toBeInTheDocument();
  });
});

describe("simulated call transcript", () => {
  it("renders agent and caller turns, keypad presses, tools and compliance notices", () => {
    renderApp(<SimTranscript waiting={false} items={[
      { kind: "agent", text: "May I speak with Maria?", done: true },
      { kind: "caller", text: "Speaking." },
      { kind: "dtmf", digit: "4" },
      { kind: "tool", name: "verify_account", arguments: {}, result: { verified: true } },
      { kind: "compliance", event: "disclosure_mini_miranda" },
    ]} />);
    expect(screen.getByTestId("sim-agent")).toHaveTextContent("May I speak with Maria?");
    expect(screen.getByTestId("sim-caller")).toHaveTextContent("Speaking.");
    expect(screen.getByText("4")).toBeInTheDocument();
    expect(screen.getByTestId("sim-tool")).toHaveTextContent("verify_account");
    expect(screen.getByText(/Mini-Miranda disclosed/)).toBeInTheDocument();
  });

  it("tells the user what to do before a call starts", () => {
    renderApp(<SimTranscript waiting={false} items={[]} />);
    expect(screen.getByText(/Start a simulated call/)).toBeInTheDocument();
  });
});
