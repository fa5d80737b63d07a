import { fireEvent, screen } from "@testing-library/react";
import { useState } from "react";
import { describe, expect, it, vi } from "vitest";
import { jsonResponse, renderApp } from "../../test/render";
import { describe as describeConfig, level, validConfig, type TacticConfig } from "./dimensions";
import { PromptPreview } from "./PromptPreview";
import { DimensionSliders } from "./TacticEditorPage";

function Editor() {
  const [config, setConfig] = useState<TacticConfig>({ urgency: 5, empathy: 6, persistence: 7, authority: 6 });
  return <><DimensionSliders config={config} onChange={setConfig} /><PromptPreview config={config} name="balanced_progression" /></>;
}

describe("tactic dimensions", () => {
  it("reads each level in words", () => {
    expect([1, 3, 4, 7, 8, 10].map(level)).toEqual(["low", "low", "moderate", "moderate", "high", "high"]);
    expect(describeConfig({ urgency: 9, empathy: 2, persistence: 5, authority: 5 })[0]).toBe("Urgency 9/10 (high): presses for action today.");
  });

  it("accepts only whole numbers from 1 to 10", () => {
    expect(validConfig({ urgency: 1, empathy: 10, persistence: 5, authority: 5 })).toBe(true);
    expect(validConfig({ urgency: 0, empathy: 10, persistence: 5, authority: 5 })).toBe(false);
    expect(validConfig({ urgency: 5.5, empathy: 10, persistence: 5, authority: 5 })).toBe(false);
    expect(validConfig({ urgency: 5 })).toBe(false);
  });
});

describe("tactic editor", () => {
  it("labels each slider and updates the preview as it moves", async () => {
    vi.stubGlobal("fetch", vi.fn(async (request: Request) => {
      const { config } = (await request.json()) as { config: TacticConfig };
      return jsonResponse({ prompt: `Style (tactic 'balanced_progression'):\n- Urgency ${config.urgency}/10: ...` });
    }));
    renderApp(<Editor />, { role: "admin" });
    const urgency = screen.getByLabelText("Urgency");
    expect(urgency).toHaveAttribute("aria-valuetext", "5 of 10");
    expect(await screen.findByText(/Urgency 5\/10: \.\.\./)).toBeInTheDocument();
    fireEvent.change(urgency, { target: { value: "10" } });
    expect(await screen.findByText(/Urgency 10\/10: \.\.\./)).toBeInTheDocument();
  });

  it("falls back to a summary of the dimensions, with the reason, when the preview fails", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => jsonResponse({ title: "Service unavailable", detail: "the database is down" }, 503)));
    renderApp(<Editor />, { role: "admin" });
    expect(await screen.findByText(/could not be generated: the database is down/)).toBeInTheDocument();
    expect(screen.getByText(/Urgency 5\/10 \(moderate\)/)).toBeInTheDocument();
  });

  it("shows the engine's prompt text when the API offers a preview", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => jsonResponse({ prompt: "Keep a calm, steady pace." })));
    renderApp(<Editor />, { role: "admin" });
    expect(await screen.findByText("Keep a calm, steady pace.")).toBeInTheDocument();
  });
});
