// The catalog and the UI cannot drift: every element id in shared/guide/catalog.json is rendered, as a
// `data-guide` attribute, on its page (elements of page "*" on every page).
import { waitFor } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { App } from "../App";
import { QUALITY_REPORT } from "../test/fixtures";
import { jsonResponse, renderApp } from "../test/render";
import { catalog, pageForPath } from "./catalog";

function api(input: RequestInfo | URL): Response {
  const url = String(input instanceof Request ? input.url : input);
  if (url.includes("/api/v1/quality/report")) return jsonResponse(QUALITY_REPORT);
  return jsonResponse({ detail: "not in this test" }, 500); // elements sit on frames that render in every state
}

describe("guide catalog", () => {
  it.each(catalog.pages.map((p) => [p.id, p.path]))("renders every element of the %s page (%s)", async (id, path) => {
    vi.stubGlobal("fetch", vi.fn(async (input: RequestInfo | URL) => api(input)));
    localStorage.setItem("archer.guide.greeted", "1");
    const { container } = renderApp(<App />, { role: "admin", path });
    const wanted = catalog.elements.filter((e) => e.page === id || e.page === "*").map((e) => e.id);
    expect(wanted.length).toBeGreaterThan(1);
    await waitFor(() => {
      const missing = wanted.filter((el) => !container.querySelector(`[data-guide="${el}"]`));
      expect(missing).toEqual([]);
    });
  });

  it("names a page for every element and a known page for every path", () => {
    const pages = new Set(catalog.pages.map((p) => p.id));
    for (const e of catalog.elements) expect(e.page === "*" || pages.has(e.page), e.id).toBe(true);
    expect(pageForPath("/")?.id).toBe("dashboard");
    expect(pageForPath("/calls/abc")?.id).toBe("calls");
    expect(pageForPath("/test-call?customer=x&autostart=1")?.id).toBe("test-call");
    expect(pageForPath("/nowhere")).toBeNull();
  });
});
