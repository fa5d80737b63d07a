// Charts (Recharts) themed from the CSS tokens so they follow the dark/light switch. Legends list their series in
// the order the bars are drawn (Recharts sorts legends alphabetically unless told otherwise).
import { Bar, BarChart, CartesianGrid, ComposedChart, LabelList, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { Empty } from "./ui";
import { humanize } from "../lib/format";

const axis = { stroke: "var(--color-muted)", fontSize: 12 };
const tooltip = {
  contentStyle: { background: "var(--color-surface)", border: "1px solid var(--color-border)", borderRadius: 8, color: "var(--color-fg)" },
  labelStyle: { color: "var(--color-fg)" },
};

/** A legend sorter that keeps the given series order (the order the series are drawn). */
export function inOrder(keys: string[]) {
  return (item: { dataKey?: unknown }) => keys.indexOf(String(item.dataKey));
}

export interface TacticPoint { name: string; calls: number; success: number; ptp?: number }

const TACTIC_SERIES = ["success", "ptp"];

/** An axis tick as stacked lines: each word of the tactic's name, then its call count. */
function StackedTick({ x, y, payload, counts }: { x?: number; y?: number; payload?: { value: string }; counts: Record<string, number> }) {
  const name = payload?.value ?? "";
  const n = counts[name] ?? 0;
  const lines = [...name.split(" "), `${n} call${n === 1 ? "" : "s"}`];
  return (
    <text x={x} y={y} textAnchor="middle" fill="var(--color-muted)" fontSize={11}>
      {lines.map((line, i) => <tspan key={i} x={x} dy={i === 0 ? 12 : 13} fontWeight={i === lines.length - 1 ? 600 : 400}>{line}</tspan>)}
    </text>
  );
}

interface TacticRow {
  tactic_name?: string | null;
  calls: number;
  success_rate?: number | null;
  promise_to_pay_rate?: number | null;
}

/** The dashboard API's per-tactic rows as chart points: rates in percent to one decimal. */
export function tacticPoints(rows: readonly TacticRow[]): TacticPoint[] {
  return rows.map((t) => ({
    name: humanize(t.tactic_name ?? "no tactic"),
    calls: t.calls,
    success: Math.round((t.success_rate ?? 0) * 1000) / 10,
    ptp: Math.round((t.promise_to_pay_rate ?? 0) * 1000) / 10,
  }));
}

export function TacticPerformanceChart({ data }: { data: TacticPoint[] }) {
  if (data.length === 0) return <Empty>No tactic has calls in this window.</Empty>;
  const counts = Object.fromEntries(data.map((d) => [d.name, d.calls]));
  const rows = data;
  return (
    <div className="h-72" role="img" aria-label={`Success and promise-to-pay rate by tactic: ${data.map((d) => `${d.name} ${d.calls} calls, ${d.success}% success, ${d.ptp ?? 0}% promise to pay`).join("; ")}`}>
      <ResponsiveContainer>
        <BarChart data={rows} margin={{ left: -10, right: 8 }}>
          <CartesianGrid stroke="var(--color-border)" strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="name" {...axis} tickLine={false} interval={0} height={62} tick={<StackedTick counts={counts} />} />
          <YAxis {...axis} tickLine={false} unit="%" domain={[0, 100]} />
          <Tooltip {...tooltip} cursor={{ fill: "var(--color-accent-soft)" }} />
          <Legend wrapperStyle={{ fontSize: 12 }} itemSorter={inOrder(TACTIC_SERIES)} />
          <Bar dataKey="success" name="Success %" fill="var(--color-accent)" radius={[4, 4, 0, 0]} isAnimationActive={false} />
          <Bar dataKey="ptp" name="Promise to pay %" fill="var(--color-ok)" radius={[4, 4, 0, 0]} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

export interface WeekPoint { week: string; calls: number; success: number | null; ptp: number | null }

const WEEK_SERIES = ["calls", "success", "ptp"];

/** Calls per week (bars, right axis) with success and promise-to-pay rates (lines, left axis). */
export function WeeklyChart({ data }: { data: WeekPoint[] }) {
  if (data.length === 0) return <Empty>No calls with this tactic in the reporting window.</Empty>;
  return (
    <div className="h-64" role="img" aria-label={`Weekly calls and rates: ${data.map((d) => `week of ${d.week} ${d.calls} calls`).join("; ")}`}>
      <ResponsiveContainer>
        <ComposedChart data={data} margin={{ left: -10, right: 8 }}>
          <CartesianGrid stroke="var(--color-border)" strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="week" {...axis} tickLine={false} />
          <YAxis yAxisId="rate" {...axis} tickLine={false} unit="%" domain={[0, 100]} />
          <YAxis yAxisId="calls" orientation="right" {...axis} tickLine={false} allowDecimals={false} />
          <Tooltip {...tooltip} cursor={{ fill: "var(--color-accent-soft)" }} />
          <Legend wrapperStyle={{ fontSize: 12 }} itemSorter={inOrder(WEEK_SERIES)} />
          <Bar yAxisId="calls" dataKey="calls" name="Calls" fill="var(--color-border)" radius={[4, 4, 0, 0]} isAnimationActive={false} />
          <Line yAxisId="rate" dataKey="success" name="Success %" stroke="var(--color-accent)" strokeWidth={2} connectNulls isAnimationActive={false} />
          <Line yAxisId="rate" dataKey="ptp" name="Promise to pay %" stroke="var(--color-ok)" strokeWidth={2} connectNulls isAnimationActive={false} />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}

export interface LatencyPoint { label: string; p50: number | null; p95: number | null }

/** p50 and p95 per latency figure, as labelled horizontal bars (overhead is tiny next to voice-to-voice). */
export function LatencyChart({ data, empty, label = "Latency p50 and p95" }: { data: LatencyPoint[]; empty: string; label?: string }) {
  if (data.length === 0) return <Empty>{empty}</Empty>;
  const fmt = (v: unknown) => (v == null ? "" : `${Math.round(Number(v))} ms`);
  return (
    <div className="h-64" role="img" aria-label={`${label}: ${data.map((d) => `${d.label} p50 ${fmt(d.p50) || "none"}, p95 ${fmt(d.p95) || "none"}`).join("; ")}`}>
      <ResponsiveContainer>
        <BarChart data={data} layout="vertical" margin={{ left: 10, right: 60 }}>
          <CartesianGrid stroke="var(--color-border)" strokeDasharray="3 3" horizontal={false} />
          <XAxis type="number" {...axis} tickLine={false} unit=" ms" />
          <YAxis type="category" dataKey="label" {...axis} tickLine={false} width={130} />
          <Tooltip {...tooltip} cursor={{ fill: "var(--color-accent-soft)" }} />
          <Legend wrapperStyle={{ fontSize: 12 }} itemSorter={inOrder(["p50", "p95"])} />
          <Bar dataKey="p50" name="p50" fill="var(--color-accent)" radius={[0, 4, 4, 0]} isAnimationActive={false}>
            <LabelList dataKey="p50" position="right" fill="var(--color-fg)" fontSize={12} formatter={fmt} />
          </Bar>
          <Bar dataKey="p95" name="p95" fill="var(--color-warn)" radius={[0, 4, 4, 0]} isAnimationActive={false}>
            <LabelList dataKey="p95" position="right" fill="var(--color-fg)" fontSize={12} formatter={fmt} />
          </Bar>
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
