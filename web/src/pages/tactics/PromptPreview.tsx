// Live preview of the prompt section a tactic produces, from the engine's prompt builder via the API.
import { useQuery } from "@tanstack/react-query";
import { fetchOptional } from "../../api/optional";
import { Loading } from "../../components/ui";
import { useDebounced } from "../../lib/useDebounced";
import { describe, validConfig, type TacticConfig } from "./dimensions";

export const PREVIEW_PATH = "/api/v1/tactics/preview";

type Preview = { available: true; text: string } | { available: false };

async function fetchPreview(config: TacticConfig, name: string): Promise<Preview> {
  const r = await fetchOptional<{ prompt?: string; section?: string; text?: string }>(PREVIEW_PATH, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ name, config }),
  });
  return r.available ? { available: true, text: r.data.prompt ?? r.data.section ?? r.data.text ?? "" } : { available: false };
}

export function PromptPreview({ config, name }: { config: TacticConfig; name: string }) {
  const settled = useDebounced(config, 250);
  const query = useQuery({
    queryKey: ["tactic-preview", name, settled],
    queryFn: () => fetchPreview(settled, name),
    enabled: validConfig(settled),
    placeholderData: (prev) => prev,
    staleTime: 60_000,
  });
  return (
    <div aria-live="polite">
      {query.isPending ? <Loading what="the preview" /> : query.data?.available ? (
        <pre className="max-h-96 overflow-y-auto whitespace-pre-wrap rounded-lg bg-bg p-4 font-mono text-xs leading-relaxed" data-testid="prompt-preview">{query.data.text}</pre>
      ) : (
        <>
          <ul className="space-y-1.5 text-sm" data-testid="prompt-preview">
            {describe(config).map((line) => <li key={line}>• {line}</li>)}
          </ul>
          <p className="mt-3 text-xs text-muted">
            {query.error ? `The preview could not be generated: ${(query.error as Error).message}.`
              : "A summary of the dimensions: the engine's prompt builder is not exposed by the API, so the exact prompt text cannot be shown here."}
          </p>
        </>
      )}
    </div>
  );
}
