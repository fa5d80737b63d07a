// Live preview of the prompt section a tactic produces, from the engine's prompt builder via the API.
import { useQuery } from "@tanstack/react-query";
import { errorMessage, fetchClient } from "../../api/client";
import { Loading } from "../../components/ui";
import { useDebounced } from "../../lib/useDebounced";
import { describe, validConfig, type TacticConfig } from "./dimensions";

export const PREVIEW_PATH = "/api/v1/tactics/preview";

async function fetchPreview(config: TacticConfig, name: string): Promise<string> {
  const { data, error } = await fetchClient.POST(PREVIEW_PATH, { body: { name, config } });
  if (error !== undefined || data === undefined) throw new Error(errorMessage(error));
  return data.prompt;
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
      {query.data !== undefined ? (
        <pre className="max-h-96 overflow-y-auto whitespace-pre-wrap rounded-lg bg-bg p-4 font-mono text-xs leading-relaxed" data-testid="prompt-preview">{query.data}</pre>
      ) : query.isPending && !query.error ? <Loading what="the preview" /> : (
        <>
          <ul className="space-y-1.5 text-sm" data-testid="prompt-preview">
            {describe(config).map((line) => <li key={line}>• {line}</li>)}
          </ul>
          <p className="mt-3 text-xs text-muted">
            {query.error ? `The preview could not be generated: ${(query.error as Error).message}.` : "A summary of the dimensions."}
          </p>
        </>
      )}
    </div>
  );
}
