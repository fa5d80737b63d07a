// Renders its children only for users whose role allows the action (the API enforces it regardless).
import type { ReactNode } from "react";
import { useAuth } from "./AuthProvider";
import { atLeast, type Role } from "./roles";

export function useCan(needed: Role): boolean {
  return atLeast(useAuth().user?.role, needed);
}

export function Can({ role, children, fallback = null }: { role: Role; children: ReactNode; fallback?: ReactNode }) {
  return <>{useCan(role) ? children : fallback}</>;
}
