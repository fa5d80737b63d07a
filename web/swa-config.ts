// Emits dist/staticwebapp.config.json: the checked-in config with the CSP's connect-src (and media-src)
// widened to exactly the API and voice origins this build talks to (VITE_API_BASE_URL, VITE_VOICE_WS_URL).
import { readFileSync } from "node:fs";
import type { Plugin } from "vite";

function origin(url: string | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(url).origin;
  } catch {
    throw new Error(`not an absolute URL: ${url}`);
  }
}

export function widenCsp(csp: string, directive: string, sources: string[]): string {
  if (sources.length === 0) return csp;
  return csp.split(";").map((part) => {
    const trimmed = part.trim();
    return trimmed.startsWith(`${directive} `) ? ` ${trimmed} ${sources.join(" ")}` : part;
  }).join(";").trim();
}

export function swaConfig(env: Record<string, string>): Plugin {
  return {
    name: "archer-swa-config",
    apply: "build",
    generateBundle() {
      const config = JSON.parse(readFileSync(new URL("./staticwebapp.config.json", import.meta.url), "utf8"));
      const api = origin(env.VITE_API_BASE_URL);
      const voice = origin(env.VITE_VOICE_WS_URL);
      let csp: string = config.globalHeaders["Content-Security-Policy"];
      csp = widenCsp(csp, "connect-src", [api, voice].filter((o): o is string => o !== null));
      csp = widenCsp(csp, "media-src", api ? [api] : []);
      config.globalHeaders["Content-Security-Policy"] = csp;
      this.emitFile({ type: "asset", fileName: "staticwebapp.config.json", source: JSON.stringify(config, null, 2) + "\n" });
    },
  };
}
