// The one API client: openapi-fetch typed by the generated schema, wrapped for TanStack Query.
import createFetchClient, { type Middleware } from "openapi-fetch";
import createQueryClient from "openapi-react-query";
import { QueryClient } from "@tanstack/react-query";
import { API_BASE } from "../auth/config";
import { getToken, notifyUnauthorized } from "../auth/token";
import type { paths } from "./schema";

const auth: Middleware = {
  async onRequest({ request }) {
    const token = await getToken();
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) notifyUnauthorized();
    return response;
  },
};

// fetch is looked up per request (not captured at start-up) so tests can stub it.
export const fetchClient = createFetchClient<paths>({
  baseUrl: API_BASE || window.location.origin,
  fetch: (request) => globalThis.fetch(request),
});
fetchClient.use(auth);

export const $api = createQueryClient(fetchClient);

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { staleTime: 10_000, retry: (count, err) => count < 2 && !isClientError(err), refetchOnWindowFocus: false },
    },
  });
}

function isClientError(err: unknown): boolean {
  const status = (err as { status?: number } | null)?.status;
  return typeof status === "number" && status >= 400 && status < 500;
}

/** An API error (problem details, FastAPI validation list, or network failure) as one sentence. */
export function errorMessage(err: unknown): string {
  if (err == null) return "Something went wrong.";
  if (err instanceof Error) return err.message === "Failed to fetch" ? "The server could not be reached." : err.message;
  if (typeof err === "string") return err;
  const e = err as { detail?: unknown; title?: string; message?: string; errors?: { loc?: unknown[]; msg?: string }[] };
  if (Array.isArray(e.errors) && e.errors.length > 0) {
    const first = e.errors.slice(0, 3).map((x) => `${(x.loc ?? []).filter((l) => l !== "body").join(".") || "request"}: ${x.msg}`);
    return `${typeof e.detail === "string" ? `${e.detail}: ` : ""}${first.join("; ")}${e.errors.length > 3 ? ` (and ${e.errors.length - 3} more)` : ""}`;
  }
  if (typeof e.detail === "string") return e.detail;
  if (Array.isArray(e.detail)) {
    return e.detail
      .map((d: { loc?: unknown[]; msg?: string }) => `${(d.loc ?? []).slice(1).join(".") || "request"}: ${d.msg}`)
      .join("; ");
  }
  return e.title ?? e.message ?? "Something went wrong.";
}

/** Authenticated fetch for non-JSON bodies (CSV export/import) the typed client does not model. */
export async function rawFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = await getToken();
  if (token) headers.set("Authorization", `Bearer ${token}`);
  const res = await fetch(`${API_BASE}${path}`, { ...init, headers });
  if (res.status === 401) notifyUnauthorized();
  return res;
}
