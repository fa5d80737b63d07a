// Renders a component inside the app's providers (theme, auth in dev mode, query client, router).
import type { ReactElement } from "react";
import { render } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { MemoryRouter } from "react-router";
import { AuthProvider, DEV_TOKEN_KEY } from "../auth/AuthProvider";
import { ThemeProvider } from "../theme/theme";

/** An unsigned token with the given role: the UI only reads claims; the API verifies signatures. */
export function fakeToken(role: string, name = "Test User"): string {
  const b64 = (o: object) => btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(o))))
    .replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${b64({ alg: "none" })}.${b64({ sub: "t", name, roles: [role], exp: Math.floor(Date.now() / 1000) + 3600 })}.sig`;
}

export function renderApp(ui: ReactElement, { role, path = "/" }: { role?: string; path?: string } = {}) {
  if (role) localStorage.setItem(DEV_TOKEN_KEY, fakeToken(role));
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <ThemeProvider>
      <AuthProvider config={null}>
        <QueryClientProvider client={client}>
          <MemoryRouter initialEntries={[path]}>{ui}</MemoryRouter>
        </QueryClientProvider>
      </AuthProvider>
    </ThemeProvider>,
  );
}

export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}
