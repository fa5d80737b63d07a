// The query-client side of useLiveCallLists: invalidates the lists' queries by path.
import { useQueryClient } from "@tanstack/react-query";
import { useLiveCallLists } from "./live";

export function useLiveLists(): { connected: boolean } {
  const qc = useQueryClient();
  return useLiveCallLists((paths) => {
    for (const p of paths) void qc.invalidateQueries({ queryKey: ["get", p] });
  });
}
