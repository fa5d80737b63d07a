// Charts (Recharts) themed from the CSS tokens so they follow the dark/light switch.
import { Bar, BarChart, CartesianGrid, LabelList, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { Empty } from "./ui";

const axis = { stroke: "var(--color-muted)", fontSize: 12 };
const tooltip = {
  contentStyle: { background: "var(--color-surface)", border: "1px solid var(--color-border)", borderRadius: 8, color: "var(--color-fg)" },
  labelStyle: { color: "var(--color-fg)" },
};

export interface TacticPoint { name: string; calls: number; success: number; ptp?: number }

export function TacticPerformanceChart({ data }: { data: TacticPoint[] }) {
  if (data.length === 0) return <Empty>No tactic has calls yet.</Empty>;
  return (
    <div className="h-64" role="img" aria-label="Success and promise-to-pay rate by tactic">
      <ResponsiveContainer>
        <BarChart data={data} margin={{ left: -10, right: 8 }}>
          <CartesianGrid stroke="var(--color-border)" strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="name" {...axis} tickLine={false} />
          <YAxis {...axis} tickLine={false} unit="%" domain={[0, 100]} />
          <Tooltip {...tooltip} cursor={{ fill: "var(--color-accent-soft)" }} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Bar dataKey="success" name="Success %" fill="var(--color-accent)" radius={[4, 4, 0, 0]} />
          <Bar dataKey="ptp" name="Promise to pay %" fill="var(--color-ok)" radius={[4, 4, 0, 0]} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

export interface LatencyPoint { label: string; p50: number | null; p95: number | null }

/** p50 and p95 per latency figure, as labelled horizontal bars (overhead is tiny next to voice-to-voice). */
export function LatencyChart({ data }: { data: LatencyPoint[] }) {
  if (data.length === 0) return <Empty>No latency measured today: figures appear after the first call.</Empty>;
  const fmt = (v: unknown) => (v == null ? "" : `${Math.round(Number(v))} ms`);
  return (
    <div className="h-64" role="img" aria-label="Latency p50 and p95: voice to voice and Archer overhead">
      <ResponsiveContainer>
        <BarChart data={data} layout="vertical" margin={{ left: 10, right: 60 }}>
          <CartesianGrid stroke="var(--color-border)" strokeDasharray="3 3" horizontal={false} />
          <XAxis type="number" {...axis} tickLine={false} unit=" ms" />
          <YAxis type="category" dataKey="label" {...axis} tickLine={false} width={110} />
          <Tooltip {...tooltip} cursor={{ fill: "var(--color-accent-soft)" }} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
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
