// Reads from API routes the UI can use but the backend may not serve yet: a 404/405 becomes "unavailable"
// (shown in words) instead of an error. Typed by the caller; switch to `$api` once the route is in the schema.
import { useQuery } from "@tanstack/react-query";
import { rawFetch } from "./client";

export type Optional<T> = { available: true; data: T } | { available: false };

export async function fetchOptional<T>(path: string, init?: RequestInit): Promise<Optional<T>> {
  const res = await rawFetch(path, init);
  if (res.status === 404 || res.status === 405) {
    const body = (await res.json().catch(() => null)) as { detail?: string } | null;
    // A 404 about the resource itself ("customer not found") is a real error, not a missing route.
    if (res.status === 404 && body?.detail && body.detail !== "Not Found") throw new Error(body.detail);
    return { available: false };
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { detail?: string; title?: string };
    throw new Error(body.detail ?? body.title ?? `the API answered ${res.status}`);
  }
  return { available: true, data: (await res.json()) as T };
}

export function useOptionalQuery<T>(path: string, options: { enabled?: boolean; refetchInterval?: number } = {}) {
  return useQuery({ queryKey: ["optional", path], queryFn: () => fetchOptional<T>(path), ...options });
}
