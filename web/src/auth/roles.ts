// Roles the admin API knows (viewer < supervisor < admin) and how to read them from a bearer token.
export type Role = "viewer" | "supervisor" | "admin";

const RANK: Record<Role, number> = { viewer: 0, supervisor: 1, admin: 2 };

export function atLeast(role: Role | null | undefined, needed: Role): boolean {
  return role != null && RANK[role] >= RANK[needed];
}

/** The highest Archer role named in a token's claims (`roles` array from Entra app roles, or `role`). */
export function roleFromClaims(claims: Record<string, unknown>): Role | null {
  const raw = claims.roles ?? claims.role ?? [];
  const names = (Array.isArray(raw) ? raw : [raw]).map((r) => String(r).toLowerCase());
  const found = (Object.keys(RANK) as Role[]).filter((role) => names.some((n) => n === role || n.endsWith(`.${role}`)));
  return found.sort((a, b) => RANK[b] - RANK[a])[0] ?? null;
}

/** The payload of a JWT, without verifying it: the API verifies; the UI only decides what to show. */
export function decodeJwt(token: string): Record<string, unknown> {
  const part = token.split(".")[1];
  if (!part) return {};
  try {
    const b64 = part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
    const json = decodeURIComponent(
      Array.from(atob(b64), (c) => "%" + c.charCodeAt(0).toString(16).padStart(2, "0")).join(""),
    );
    return JSON.parse(json) as Record<string, unknown>;
  } catch {
    return {};
  }
}
