// Every code the API returns (statuses, outcomes, flags, gate reasons, event codes) in words: the one place the
// console's wording lives. Codes not listed read as sentence case with acronyms kept (DNC, SMS, AI, ...).
export const LABELS: Record<string, string> = {
  // customer flags
  dnc: "On do-not-call list",
  dnc_listed: "On do-not-call list",
  cease: "Asked to stop calls",
  cease_requested: "Asked to stop calls",
  attorney: "Represented by attorney",
  bankruptcy: "Bankruptcy filed",
  dispute: "Debt disputed",
  consent_revoked: "Consent revoked",
  hardship: "Hardship noted",
  sensitive_handling: "Sensitive handling",
  language: "Preferred language",
  time_barred: "Time-barred debt",
  // statuses and outcomes
  "in-progress": "In progress",
  "no-answer": "No answer",
  in_progress: "In progress",
  retry_wait: "Waiting to retry",
  payment_arranged: "Payment arranged",
  promise_to_pay: "Promise to pay",
  completed_no_arrangement: "Completed, no arrangement",
  verification_failed: "Verification failed",
  wrong_party: "Wrong party",
  hung_up: "Hung up",
  // gate reasons and compliance codes
  disclosure_ai_identification: "AI identification disclosed",
  ai_identification: "AI identification disclosed",
  mini_miranda: "Mini-Miranda disclosed",
  mini_miranda_subsequent: "Mini-Miranda reminder",
  recording_notice: "Recording notice given",
  allowed: "Allowed",
  attorney_represented: "Represented by attorney",
  dispute_hold: "Debt disputed",
  no_consent: "No consent to call",
  sensitive_hold: "Sensitive handling hold",
  distress: "Caller in distress",
  other_language: "Speaks another language",
  validation_request: "Asked for written validation",
  already_paid: "Says already paid",
  fraud: "Reports fraud",
  outside_calling_hours: "Outside calling hours",
  inconvenient_time: "Customer said this time is inconvenient",
  frequency_cap_7in7: "7 call attempts in 7 days reached",
  state_frequency_cap: "State call limit reached",
  recent_conversation: "Spoke within the last 7 days",
  stop_calling: "Asked to stop calls",
  human_request: "Asked for a person",
  robot_question: "Asked if it is a robot",
  consumer_request: "Consumer request",
  sms_stop: "SMS STOP",
  account_application: "Account application",
  llm: "LLM",
};

const ACRONYMS: Record<string, string> = { dnc: "DNC", sms: "SMS", ai: "AI", llm: "LLM", stt: "STT", tts: "TTS",
  id: "ID", zip: "ZIP", utc: "UTC", tcpa: "TCPA", fdcpa: "FDCPA", csv: "CSV", ptp: "PTP" };

/** A code in words: the label above (a campaign target's `blocked_<gate reason>` reads "Blocked: <reason>"), else sentence case with acronyms ("dnc_listed" never reads "Dnc listed"). */
export function label(code: string | null | undefined): string {
  if (!code) return "—";
  const known = LABELS[code];
  if (known) return known;
  if (code.startsWith("blocked_")) return `Blocked: ${label(code.slice("blocked_".length))}`;
  if (code.startsWith("disclosure_")) return label(code.slice("disclosure_".length));
  const words = code.replace(/[_-]+/g, " ").trim().split(/\s+/).map((w) => ACRONYMS[w.toLowerCase()] ?? w.toLowerCase());
  const s = words.join(" ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}
