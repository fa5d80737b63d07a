// Compliance events gathered from the most recent calls' records, for views the API has no dedicated route for
// (a customer's timeline, the recent guard blocks and intents). Bounded: at most `calls` detail reads.
import { useQueries } from "@tanstack/react-query";
import { $api } from "../api/client";

export interface CallEvent {
  id: number;
  category: string;
  code: string;
  occurred_at: string;
  call_id: string;
  customer_id: string | null;
  customer_name: string | null;
}

export function useRecentCallEvents({ customerId, calls = 10, categories }: {
  customerId?: string; calls?: number; categories?: string[];
}): { events: CallEvent[]; pending: boolean; error: unknown; scanned: number } {
  const list = $api.useQuery("get", "/api/v1/calls", { params: { query: { customer_id: customerId, limit: calls } } });
  const ids = (list.data?.items ?? []).map((c) => c.id);
  const details = useQueries({
    queries: ids.map((id) => $api.queryOptions("get", "/api/v1/calls/{call_id}", { params: { path: { call_id: id } } })),
  });
  const events = details.flatMap((q) => {
    const call = q.data;
    if (!call) return [];
    return call.compliance_events
      .filter((e) => !categories || categories.includes(e.category))
      .map((e) => ({ id: e.id, category: e.category, code: e.code, occurred_at: e.occurred_at, call_id: call.id,
        customer_id: call.customer_id, customer_name: call.customer_name }));
  }).sort((a, b) => b.occurred_at.localeCompare(a.occurred_at));
  return {
    events,
    pending: list.isPending || details.some((q) => q.isPending),
    error: list.error ?? details.find((q) => q.error)?.error ?? null,
    scanned: ids.length,
  };
}
