// The four tactic dimensions (1–10) and a plain-words reading of a level, for labels and the summary.
export const DIMENSIONS = [
  { key: "urgency", label: "Urgency", low: "relaxed about timing", high: "presses for action today" },
  { key: "empathy", label: "Empathy", low: "strictly factual", high: "acknowledges feelings and hardship first" },
  { key: "persistence", label: "Persistence", low: "accepts the first no", high: "returns to the options several times" },
  { key: "authority", label: "Authority", low: "conversational and soft-spoken", high: "formal and firm" },
] as const;

export type DimensionKey = (typeof DIMENSIONS)[number]["key"];
export type TacticConfig = Record<DimensionKey, number>;

export function level(value: number): "low" | "moderate" | "high" {
  return value <= 3 ? "low" : value <= 7 ? "moderate" : "high";
}

export function describe(config: TacticConfig): string[] {
  return DIMENSIONS.map((d) => {
    const v = config[d.key];
    const l = level(v);
    const words = l === "low" ? d.low : l === "high" ? d.high : `balances "${d.low}" and "${d.high}"`;
    return `${d.label} ${v}/10 (${l}): ${words}.`;
  });
}

export function validConfig(config: Partial<TacticConfig>): config is TacticConfig {
  return DIMENSIONS.every((d) => Number.isInteger(config[d.key]) && config[d.key]! >= 1 && config[d.key]! <= 10);
}
