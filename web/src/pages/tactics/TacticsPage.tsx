// Tactics: the behavioural profiles the agent can use, their four dimensions and headline performance.
import { Link } from "react-router";
import { Plus } from "lucide-react";
import { $api } from "../../api/client";
import { Can } from "../../auth/Can";
import { Badge, Card, Empty, PageHeader, QueryState } from "../../components/ui";
import { TacticPerformanceChart, tacticPoints } from "../../components/charts";
import { humanize } from "../../lib/format";
import { DIMENSIONS } from "./dimensions";

export function TacticsPage() {
  const query = $api.useQuery("get", "/api/v1/tactics");
  const week = $api.useQuery("get", "/api/v1/dashboard", { params: { query: { days: 7 } } });
  return (
    <>
      <PageHeader
        title="Tactics"
        subtitle="How the agent negotiates. No tactic can override compliance: the guard checks every sentence."
        actions={<Can role="admin"><Link to="/tactics/new" className="inline-flex items-center gap-2 rounded-lg bg-accent px-3.5 py-2 text-sm font-semibold text-accent-fg hover:brightness-110"><Plus className="h-4 w-4" /> New tactic</Link></Can>}
      />
      <Card title="Tactic performance, last 7 days" className="mb-6" guide="tactics-performance">
        <QueryState query={week} what="tactic performance">
          {(d) => (
            <TacticPerformanceChart data={tacticPoints(d.tactics)} />
          )}
        </QueryState>
      </Card>
      <div data-guide="tactics-list">
      <QueryState query={query} what="tactics">
        {(data) => data.length === 0 ? <Empty>No tactics yet.</Empty> : (
          <div className="grid gap-4 md:grid-cols-2">
            {data.map((t) => (
              <Card key={t.id} title={<span className="normal-case tracking-normal text-fg text-base">{humanize(t.name)}</span>}
                actions={<div className="flex items-center gap-2">
                  <Badge tone="accent">{humanize(t.archetype)}</Badge>
                  <Badge>v{t.version}</Badge>
                  {!t.active && <Badge tone="warn">inactive</Badge>}
                </div>}>
                <p className="mb-4 min-h-10 text-sm text-muted">{t.description || "No description."}</p>
                <div className="space-y-2">
                  {DIMENSIONS.map((d) => {
                    const v = Number(t.config[d.key] ?? 0);
                    return (
                      <div key={d.key} className="flex items-center gap-3 text-sm">
                        <span className="w-24 text-muted">{d.label}</span>
                        <div className="h-2 flex-1 overflow-hidden rounded-full bg-surface-2" aria-hidden>
                          <div className="h-full rounded-full bg-accent" style={{ width: `${v * 10}%` }} />
                        </div>
                        <span className="w-10 text-right tabular-nums" aria-label={`${d.label} ${v} of 10`}>{v}/10</span>
                      </div>
                    );
                  })}
                </div>
                <div className="mt-4 flex justify-end">
                  <Link to={`/tactics/${t.id}`} className="text-sm font-medium text-accent hover:underline">View performance and history →</Link>
                </div>
              </Card>
            ))}
          </div>
        )}
      </QueryState>
      </div>
    </>
  );
}
