// @vitest-environment node
import { describe, expect, it } from "vitest";
import config from "./staticwebapp.config.json";
import { widenCsp } from "./swa-config";

describe("staticwebapp.config.json", () => {
  it("falls back to index.html for client routes but not for assets or the API", () => {
    expect(config.navigationFallback.rewrite).toBe("/index.html");
    expect(config.navigationFallback.exclude).toEqual(expect.arrayContaining(["/assets/*", "/api/*"]));
  });

  it("caches hashed assets for a year and never caches index.html", () => {
    const route = (r: string) => config.routes.find((x) => x.route === r)?.headers["Cache-Control"];
    expect(route("/assets/*")).toContain("immutable");
    expect(route("/index.html")).toBe("no-cache");
  });

  it("sends security headers and a CSP without inline scripts", () => {
    const h = config.globalHeaders;
    expect(h["X-Content-Type-Options"]).toBe("nosniff");
    expect(h["Content-Security-Policy"]).toMatch(/script-src 'self';/);
    expect(h["Content-Security-Policy"]).toMatch(/frame-ancestors 'none'/);
  });

  it("widens connect-src with exactly the configured origins", () => {
    const csp = widenCsp("default-src 'self'; connect-src 'self'; img-src 'self'", "connect-src",
      ["https://api.example.com", "wss://voice.example.com"]);
    expect(csp).toBe("default-src 'self'; connect-src 'self' https://api.example.com wss://voice.example.com; img-src 'self'");
    expect(widenCsp("connect-src 'self'", "connect-src", [])).toBe("connect-src 'self'");
  });
});
