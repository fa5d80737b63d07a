// Charts (Recharts) themed from the CSS tokens so they follow the dark/light switch.
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
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

export function LatencyChart({ data }: { data: LatencyPoint[] }) {
  if (data.length === 0) return <Empty>No latency measured yet: figures appear after the first call.</Empty>;
  return (
    <div className="h-64" role="img" aria-label="Voice-to-voice latency p50 and p95">
      <ResponsiveContainer>
        <LineChart data={data} margin={{ left: -10, right: 8 }}>
          <CartesianGrid stroke="var(--color-border)" strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="label" {...axis} tickLine={false} />
          <YAxis {...axis} tickLine={false} unit=" ms" width={70} />
          <Tooltip {...tooltip} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Line type="monotone" dataKey="p50" name="p50" stroke="var(--color-accent)" strokeWidth={2} dot={false} />
          <Line type="monotone" dataKey="p95" name="p95" stroke="var(--color-warn)" strokeWidth={2} dot={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
