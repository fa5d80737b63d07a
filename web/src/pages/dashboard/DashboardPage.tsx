// Dashboard: today's calls, live calls, duration, success and promise-to-pay rates, latency, tactics, recent calls.
import { useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";
import { $api } from "../../api/client";
import { CallsTable } from "../../components/CallsTable";
import { LatencyChart, TacticPerformanceChart } from "../../components/charts";
import { Card, PageHeader, QueryState, Stat } from "../../components/ui";
import { duration, humanize, ms, pct } from "../../lib/format";
import { useLiveEvents } from "../../lib/live";

export function DashboardPage() {
  const query = $api.useQuery("get", "/api/v1/dashboard", {}, { refetchInterval: 15_000 });
  const recent = $api.useQuery("get", "/api/v1/calls", { params: { query: { limit: 8 } } }, { refetchInterval: 15_000 });
  const qc = useQueryClient();
  const { connected } = useLiveEvents((e) => {
    if (e.type === "call_started" || e.type === "call_ended" || e.type === "call_status") {
      void qc.invalidateQueries({ queryKey: ["get", "/api/v1/dashboard"] });
      void qc.invalidateQueries({ queryKey: ["get", "/api/v1/calls"] });
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
              <Stat label="Calls today" value={d.today.calls} hint={`${d.today.connected} connected`} />
              <Stat label="Active now" value={d.today.active_calls} tone={d.today.active_calls > 0 ? "accent" : undefined} hint="Queued, ringing or talking" />
              <Stat label="Avg duration" value={duration(d.today.average_duration_s)} />
              <Stat label="Success rate" value={pct(d.today.success_rate)} tone="ok" hint="Arrangement or promise per connected call" />
              <Stat label="Promise to pay" value={pct(d.today.promise_to_pay_rate)} hint="Per right-party contact" />
              <Stat label="Voice-to-voice p50" value={ms(d.latency.voice_to_voice_p50_ms)} hint={`p95 ${ms(d.latency.voice_to_voice_p95_ms)} · ${d.latency.turns} turns today`} />
            </div>
            <div className="grid gap-6 lg:grid-cols-2">
              <Card title={`Tactic performance since ${d.comparison_since}`}>
                <TacticPerformanceChart
                  data={d.tactics.map((t) => ({
                    name: humanize(t.tactic_name ?? "no tactic"),
                    calls: t.calls,
                    success: Math.round((t.success_rate ?? 0) * 1000) / 10,
                    ptp: Math.round((t.promise_to_pay_rate ?? 0) * 1000) / 10,
                  }))}
                />
              </Card>
              <Card title="Latency (voice to voice)" actions={<Link to="/quality" className="text-xs text-accent hover:underline">Quality report →</Link>}>
                <LatencyChart data={d.latency.turns === 0 ? [] : [
                  { label: "Voice to voice", p50: d.latency.voice_to_voice_p50_ms ?? null, p95: d.latency.voice_to_voice_p95_ms ?? null },
                  { label: "Archer overhead", p50: d.latency.overhead_p50_ms ?? null, p95: d.latency.overhead_p95_ms ?? null },
                ]} />
              </Card>
            </div>
            <Card title="Recent calls">
              <QueryState query={recent} what="recent calls">
                {(r) => <CallsTable calls={r.items} empty="No calls yet. Place a test call to see one here." />}
              </QueryState>
            </Card>
          </div>
        )}
      </QueryState>
    </>
  );
}
