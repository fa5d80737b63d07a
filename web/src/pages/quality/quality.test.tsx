import { screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { jsonResponse, renderApp } from "../../test/render";
import { ReviewPanel } from "../calls/ReviewPanel";
import { QualityPage } from "./QualityPage";
import { QUALITY_REPORT as REPORT } from "../../test/fixtures";

afterEach(() => vi.unstubAllGlobals());

describe("Quality page", () => {
  it("shows the verdict with its reasons and says when data is too thin for a figure", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => jsonResponse(REPORT)));
    renderApp(<QualityPage />, { role: "viewer" });
    expect(await screen.findByTestId("quality-verdict")).toHaveTextContent("HOLD");
    expect(screen.getAllByText("TTS first byte P90: not enough data (n=3 of 20 turns)")).toHaveLength(1);
    expect(screen.getAllByText(/not enough data \(needs 20\)/).length).toBeGreaterThan(0);
    expect(screen.getByTestId("quality-transcription")).toHaveTextContent("1 corrected");
  });
});

describe("review panel", () => {
  const review = { call_id: "c1", has_recording: false, ratings: [], corrections: [], recording_analysis: null };
  const transcript = [{ seq: 0, speaker: "agent", text: "Hello." }, { seq: 1, speaker: "caller", text: "I can pay to hundred" }];

  it("lets a supervisor rate and correct caller lines", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => jsonResponse(review)));
    renderApp(<ReviewPanel callId="c1" transcript={transcript} />, { role: "supervisor" });
    expect(await screen.findByRole("button", { name: "Save rating" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Correct this line" })).toBeInTheDocument();
    expect(screen.queryByText("Hello.")).not.toBeInTheDocument();   // agent lines are not speech recognition
  });

  it("shows a viewer the ratings but no form", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => jsonResponse({ ...review, ratings: [{ reviewer: "sup-1", naturalness: 8,
      latency_feel: 6, overall: 9, comment: "", updated_at: "2026-11-30T10:00:00Z" }] })));
    renderApp(<ReviewPanel callId="c1" transcript={transcript} />, { role: "viewer" });
    expect(await screen.findByText("sup-1")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Save rating" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Correct this line" })).not.toBeInTheDocument();
  });
});
