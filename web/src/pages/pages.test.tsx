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
