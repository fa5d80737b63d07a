import { act, renderHook, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { CallsTable } from "../components/CallsTable";
import { useDebounced } from "../lib/useDebounced";
import { renderApp } from "../test/render";
import { apiFilters } from "./calls/CallsPage";
import { campaignProgress } from "./campaigns/CampaignsPage";

describe("calls list", () => {
  it("maps URL filters to the API's query (tactic id as a number, days to local-day bounds)", () => {
    const f = apiFilters(new URLSearchParams("status=completed&tactic_id=3&from=2026-11-01&to=2026-11-02&q=plan"));
    expect(f).toMatchObject({ status: "completed", tactic_id: 3, q: "plan", outcome: undefined });
    expect(new Date(f.from!).getDate()).toBe(1);
    expect(new Date(f.to!).getHours()).toBe(23);
  });

  it("shows calls with status, outcome and a link to each, or says there are none", () => {
    renderApp(<CallsTable calls={[{ id: "c1", started_at: "2026-11-24T10:00:00Z", status: "in-progress", outcome: null,
      customer_name: "Maria Gonzalez", tactic_name: "stern", duration_s: 95 }]} />);
    expect(screen.getByRole("link", { name: /Nov 24, 2026/ })).toHaveAttribute("href", "/calls/c1");
    expect(screen.getByText("In progress")).toBeInTheDocument();
    expect(screen.getByText("1m 35s")).toBeInTheDocument();
  });

  it("words an empty list", () => {
    renderApp(<CallsTable calls={[]} empty="No calls match these filters." />);
    expect(screen.getByText("No calls match these filters.")).toBeInTheDocument();
  });
});

describe("campaign progress", () => {
  it("counts finished targets out of all", () => {
    expect(campaignProgress({ pending: 5, in_progress: 1, done: 3, skipped: 1 })).toEqual({ done: 4, total: 10 });
    expect(campaignProgress({})).toEqual({ done: 0, total: 0 });
  });
});

describe("useDebounced", () => {
  it("settles on the last value after the delay", () => {
    vi.useFakeTimers();
    const { result, rerender } = renderHook(({ v }) => useDebounced(v, 200), { initialProps: { v: 1 } });
    rerender({ v: 2 });
    rerender({ v: 3 });
    expect(result.current).toBe(1);
    act(() => { vi.advanceTimersByTime(200); });
    expect(result.current).toBe(3);
    vi.useRealTimers();
  });
});

describe("analytics", () => {
  it("lists legend entries in the order the series are drawn", async () => {
    const { inOrder } = await import("../components/charts");
    const sort = inOrder(["success", "ptp"]);
    const items = [{ dataKey: "ptp", value: "Promise to pay %" }, { dataKey: "success", value: "Success %" }];
    expect([...items].sort((a, b) => sort(a) - sort(b)).map((i) => i.dataKey)).toEqual(["success", "ptp"]);
  });

  it("shows simulated calls' engine timings, labelled, when no audio was measured", async () => {
    const { latencyView } = await import("./dashboard/DashboardPage");
    const base = { turns: 0, voice_to_voice_p50_ms: null, voice_to_voice_p95_ms: null, overhead_p50_ms: null, overhead_p95_ms: null };
    expect(latencyView(base, 7).empty).toBe("No turn was timed in the last 7 days.");
    const sim = latencyView({ ...base, turns: 4, engine_turns: 4, first_sentence_p50_ms: 310, first_sentence_p95_ms: 500 }, 7);
    expect(sim.simulated).toBe(true);
    expect(sim.title).toMatch(/simulated/);
    expect(sim.data[0]).toEqual({ label: "First sentence", p50: 310, p95: 500 });
    const real = latencyView({ ...base, turns: 5, engine_turns: 1, voice_to_voice_p50_ms: 640 }, 7);
    expect(real.simulated).toBe(false);
  });
});

describe("test call what-if figures", () => {
  it("sends only the figures that were filled in", async () => {
    const { simParams } = await import("../lib/sim");
    expect(simParams("c1", "stern")).toEqual({ customer_id: "c1", tactic: "stern" });
    expect(simParams("c1", "stern", { balance: " 99.50 ", days_overdue: "" })).toEqual({ customer_id: "c1", tactic: "stern", balance: "99.50" });
  });
});
