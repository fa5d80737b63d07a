// The running transcript of a simulated call: agent and caller bubbles, tool calls and compliance events.
import { useEffect, useRef } from "react";
import { ShieldAlert, Wrench } from "lucide-react";
import { Badge, Empty, cx } from "../../components/ui";
import { humanize } from "../../lib/format";
import type { SimItem } from "../../lib/sim";

export function SimTranscript({ items, waiting }: { items: SimItem[]; waiting: boolean }) {
  const end = useRef<HTMLDivElement>(null);
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: "end" });
  }, [items.length]);
  if (items.length === 0) return <Empty>{waiting ? "Connecting… the agent speaks first." : "Start a simulated call to see the conversation here."}</Empty>;
  return (
    <>
      <ol className="space-y-3" aria-live="polite" aria-label="Simulated call transcript">
        {items.map((it, i) => (
          <li key={i}><Row item={it} /></li>
        ))}
      </ol>
      <div ref={end} />
    </>
  );
}

function Row({ item }: { item: SimItem }) {
  switch (item.kind) {
    case "agent":
    case "caller": {
      const agent = item.kind === "agent";
      return (
        <div className={cx("flex", !agent && "justify-end")}>
          <div className={cx("max-w-[85%] rounded-2xl px-4 py-2.5 text-sm", agent ? "rounded-tl-sm bg-surface-2" : "rounded-tr-sm bg-accent-soft")}
            data-testid={agent ? "sim-agent" : "sim-caller"}>
            <div className="mb-0.5 text-xs font-semibold text-muted">{agent ? "Archer" : "You (customer)"}</div>
            {item.text}
          </div>
        </div>
      );
    }
    case "dtmf":
      return <div className="text-right text-xs text-muted">Pressed key <kbd className="rounded border border-border px-1">{item.digit}</kbd></div>;
    case "tool":
      return (
        <details className="rounded-lg border border-border bg-surface-2/50 px-3 py-2 text-sm" data-testid="sim-tool">
          <summary className="flex cursor-pointer items-center gap-2"><Wrench className="h-3.5 w-3.5 text-accent" aria-hidden /><span className="font-mono">{item.name}</span><Badge tone="accent">tool</Badge></summary>
          <pre className="mt-2 overflow-x-auto rounded bg-bg p-2 text-xs">{JSON.stringify({ arguments: item.arguments, result: item.result }, null, 2)}</pre>
        </details>
      );
    case "compliance":
      return <div className="flex items-center gap-2 text-xs text-warn" data-testid="sim-compliance"><ShieldAlert className="h-3.5 w-3.5" aria-hidden /> Compliance: {humanize(item.event)}{item.detail ? ` — ${item.detail}` : ""}</div>;
    case "system":
      return <div className="text-center text-xs text-muted">{item.text}</div>;
  }
}
