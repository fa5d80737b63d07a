// A customer's compliance flags in words, from the dated markers on the customer record.
interface Flagged {
  cease_requested_at?: string | null;
  attorney_at?: string | null;
  bankruptcy_at?: string | null;
  disputed_at?: string | null;
  dispute_resolved_at?: string | null;
  hardship_at?: string | null;
  consent_revoked_at?: string | null;
  time_barred?: boolean;
}

export function customerFlags(c: Flagged): string[] {
  const flags: string[] = [];
  if (c.cease_requested_at) flags.push("cease requested");
  if (c.attorney_at) flags.push("attorney");
  if (c.bankruptcy_at) flags.push("bankruptcy");
  if (c.disputed_at && !c.dispute_resolved_at) flags.push("disputed");
  if (c.consent_revoked_at) flags.push("consent revoked");
  if (c.hardship_at) flags.push("hardship");
  if (c.time_barred) flags.push("time-barred");
  return flags;
}

export const BLOCKING = new Set(["cease requested", "attorney", "bankruptcy", "consent revoked"]);
