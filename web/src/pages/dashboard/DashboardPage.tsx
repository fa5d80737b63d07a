// Dashboard: today's calls, live calls, duration, success and promise-to-pay rates, latency, tactics, recent calls.
import { useQueryClient } from "@tanstack/react-query";
import { $api } from "../../api/client";
import { CallsTable } from "../../components/CallsTable";
import { LatencyChart, TacticPerformanceChart } from "../../components/charts";
import { Card, PageHeader, QueryState, Stat } from "../../components/ui";
import { duration, humanize, ms, pct } from "../../lib/format";
import { useLiveEvents } from "../../lib/live";

export function DashboardPage() {
  const query = $api.useQuery("get", "/api/v1/dashboard", {}, { refetchInterval: 15_000 });
  const qc = useQueryClient();
  const { connected } = useLiveEvents((e) => {
    if (e.type === "call_started" || e.type === "call_ended" || e.type === "call_status") {
      void qc.invalidateQueries({ queryKey: ["get", "/api/v1/dashboard"] });
    }
  });
  return (
    <>
      <PageHeader
        title="Dashboard"
        subtitle={connected ? "Live: updates as calls start and end." : "Refreshes every 15 seconds."}
      />
      <QueryState query={query} what="the dashboard">
        {(d) => (
          <div className="space-y-6">
            <div className="grid grid-cols-2 gap-4 md:grid-cols-3 xl:grid-cols-6">
              <Stat label="Calls today" value={d.today.calls} />
              <Stat label="Active now" value={d.active_calls} tone={d.active_calls > 0 ? "accent" : undefined} hint="Live calls" />
              <Stat label="Avg duration" value={duration(d.today.avg_duration_s)} />
              <Stat label="Success rate" value={pct(d.today.success_rate)} tone="ok" hint="Arrangement or promise" />
              <Stat label="Promise to pay" value={pct(d.today.promise_to_pay_rate)} />
              <Stat label="Latency p50 / p95" value={<span>{ms(d.latency.p50_ms)}<span className="text-base text-muted"> / {ms(d.latency.p95_ms)}</span></span>} hint="Voice to voice" />
            </div>
            <div className="grid gap-6 lg:grid-cols-2">
              <Card title="Tactic performance">
                <TacticPerformanceChart
                  data={d.tactics.map((t) => ({
                    name: humanize(t.tactic_name),
                    calls: t.calls,
                    success: Math.round((t.success_rate ?? 0) * 1000) / 10,
                    ptp: Math.round((t.promise_to_pay_rate ?? 0) * 1000) / 10,
                  }))}
                />
              </Card>
              <Card title="Latency (voice to voice)">
                <LatencyChart data={d.latency_series.map((p) => ({ label: p.label, p50: p.p50_ms ?? null, p95: p.p95_ms ?? null }))} />
              </Card>
            </div>
            <Card title="Recent calls">
              <CallsTable calls={d.recent_calls} empty="No calls yet today. Place a test call to see one here." />
            </Card>
          </div>
        )}
      </QueryState>
    </>
  );
}
