// Dashboard: today's calls and live calls, then — over the reporting window the user chose — success and
// promise-to-pay rates, latency (simulated calls' engine timings labelled as such), tactics, recent calls.
import { Link } from "react-router";
import { $api } from "../../api/client";
import { CallsTable } from "../../components/CallsTable";
import { LatencyChart, TacticPerformanceChart, tacticPoints } from "../../components/charts";
import { Card, PageHeader, QueryState, Stat } from "../../components/ui";
import { WindowPicker } from "../../components/WindowPicker";
import { duration, ms, pct } from "../../lib/format";
import { useReportingWindow } from "../../lib/reportingWindow";
import { useLiveLists } from "../../lib/useLiveLists";
import type { components } from "../../api/schema";

type Latency = components["schemas"]["LatencyFigures"];

/** Voice figures when audio was measured; otherwise the engine's own timings from simulated calls, said so. */
export function latencyView(l: Latency, days: number): { title: string; data: { label: string; p50: number | null; p95: number | null }[]; empty: string; simulated: boolean } {
  const audio = l.turns - (l.engine_turns ?? 0);
  if (audio > 0) {
    return { title: "Latency (voice to voice)", simulated: false, empty: "", data: [
      { label: "Voice to voice", p50: l.voice_to_voice_p50_ms ?? null, p95: l.voice_to_voice_p95_ms ?? null },
      { label: "Archer overhead", p50: l.overhead_p50_ms ?? null, p95: l.overhead_p95_ms ?? null },
    ] };
  }
  if ((l.engine_turns ?? 0) > 0) {
    return { title: "Latency (simulated calls: engine only, no audio)", simulated: true, empty: "", data: [
      { label: "First sentence", p50: l.first_sentence_p50_ms ?? null, p95: l.first_sentence_p95_ms ?? null },
      { label: "LLM first token", p50: l.llm_ttft_p50_ms ?? null, p95: l.llm_ttft_p95_ms ?? null },
    ].filter((d) => d.p50 != null || d.p95 != null) };
  }
  return { title: "Latency", simulated: false, data: [], empty: `No turn was timed in the last ${days} days.` };
}

export function DashboardPage() {
  const [days, setDays] = useReportingWindow();
  const { connected } = useLiveLists();
  const poll = connected ? false : 15_000;
  const query = $api.useQuery("get", "/api/v1/dashboard", { params: { query: { days } } }, { refetchInterval: poll, placeholderData: (p) => p });
  const recent = $api.useQuery("get", "/api/v1/calls", { params: { query: { limit: 8 } } }, { refetchInterval: poll });
  return (
    <>
      <PageHeader
        title="Dashboard"
        subtitle={connected ? "Live: updates as calls start and end." : "Refreshes every 15 seconds."}
        actions={<WindowPicker days={days} onChange={setDays} />}
      />
      <div className="space-y-6">
        <div data-guide="dashboard-kpis">
          <QueryState query={query} what="the dashboard">
            {(d) => (
              <div className="grid grid-cols-2 gap-4 md:grid-cols-3 xl:grid-cols-6">
                <Stat label="Calls today" value={d.today.calls} hint={`${d.today.connected} connected`} />
                <Stat label="Active now" value={d.today.active_calls} tone={d.today.active_calls > 0 ? "accent" : undefined} hint="Queued, ringing or talking" />
                <Stat label={`Calls, last ${d.window_days} days`} value={d.window.calls} hint={`${d.window.connected} connected`} />
                <Stat label="Avg duration" value={duration(d.window.average_duration_s)} hint={`Last ${d.window_days} days`} />
                <Stat label="Success rate" value={pct(d.window.success_rate)} tone="ok" hint={`Arrangement or promise per connected call · ${d.window.connected} connected`} />
                <Stat label="Promise to pay" value={pct(d.window.promise_to_pay_rate)} hint={`Per right-party contact · ${d.window.right_party_contacts} contact${d.window.right_party_contacts === 1 ? "" : "s"}`} />
              </div>
            )}
          </QueryState>
        </div>
        {query.data && <DashboardCharts d={query.data} />}
        <Card title="Recent calls" guide="dashboard-recent-calls">
          <QueryState query={recent} what="recent calls">
            {(r) => <CallsTable calls={r.items} empty="No calls yet. Place a test call to see one here." />}
          </QueryState>
        </Card>
      </div>
    </>
  );
}

function DashboardCharts({ d }: { d: components["schemas"]["Dashboard"] }) {
  const latency = latencyView(d.latency, d.window_days);
  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <Card title={`Tactic performance, last ${d.window_days} days (since ${d.comparison_since})`}>
        <TacticPerformanceChart data={tacticPoints(d.tactics)} />
      </Card>
      <Card title={`${latency.title}, last ${d.window_days} days`}
        actions={<Link to="/quality" className="text-xs text-accent hover:underline">Quality report →</Link>}>
        <LatencyChart data={latency.data} empty={latency.empty} label={latency.title} />
        <p className="mt-2 text-xs text-muted">
          {latency.simulated
            ? `${d.latency.engine_turns} simulated turns: the engine's own timings. Voice-to-voice figures need a phone call.`
            : `${d.latency.turns} turns measured · voice to voice p50 ${ms(d.latency.voice_to_voice_p50_ms)}, p95 ${ms(d.latency.voice_to_voice_p95_ms)}`}
        </p>
      </Card>
    </div>
  );
}
