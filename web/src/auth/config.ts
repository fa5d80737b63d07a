// Build-time auth settings: Entra ID (MSAL) when VITE_ENTRA_CLIENT_ID is set, else the local dev token.
export interface EntraConfig {
  clientId: string;
  authority: string;
  apiScope: string;
}

export function entraConfig(env: Record<string, string | undefined> = import.meta.env): EntraConfig | null {
  const clientId = env.VITE_ENTRA_CLIENT_ID;
  if (!clientId) return null;
  const tenant = env.VITE_ENTRA_TENANT_ID ?? "organizations";
  return {
    clientId,
    authority: env.VITE_ENTRA_AUTHORITY ?? `https://login.microsoftonline.com/${tenant}`,
    apiScope: env.VITE_API_SCOPE ?? `api://${clientId}/.default`,
  };
}

/** Base URL of the voice service's websockets; empty means the page's own origin (the dev host). */
export function voiceBase(env: Record<string, string | undefined> = import.meta.env): string {
  const configured = env.VITE_VOICE_WS_URL;
  if (configured) return configured.replace(/\/$/, "");
  const { protocol, host } = window.location;
  return `${protocol === "https:" ? "wss" : "ws"}://${host}`;
}

/** Base URL of the admin API; empty means same origin (the dev host, or the Static Web App's linked API). */
export const API_BASE: string = (import.meta.env.VITE_API_BASE_URL ?? "").replace(/\/$/, "");
