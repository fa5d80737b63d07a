// Who is signed in and with which role: Entra ID via MSAL when configured, else the AUTH_MODE=dev token.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { API_BASE, entraConfig, type EntraConfig } from "./config";
import { decodeJwt, roleFromClaims, type Role } from "./roles";
import { setTokenSource, setUnauthorizedHandler } from "./token";

export const DEV_TOKEN_KEY = "archer.devToken";
export const DEV_TOKEN_PATH = "/api/v1/auth/dev-token";

export interface User {
  name: string;
  role: Role | null;
}

interface AuthState {
  mode: "entra" | "dev";
  status: "loading" | "signed-out" | "signed-in";
  user: User | null;
  error: string | null;
  signIn: (role?: Role) => Promise<void>;
  signOut: () => void;
}

const AuthContext = createContext<AuthState | null>(null);

function userFromToken(token: string): User {
  const claims = decodeJwt(token);
  const name = String(claims.name ?? claims.preferred_username ?? claims.sub ?? "Signed-in user");
  return { name, role: roleFromClaims(claims) };
}

function tokenExpired(token: string): boolean {
  const exp = Number(decodeJwt(token).exp ?? 0);
  return exp > 0 && exp * 1000 < Date.now() + 30_000;
}

export function AuthProvider({ children, config: configProp }: { children: ReactNode; config?: EntraConfig | null }) {
  // Read once: a fresh object per render would re-run MSAL's start-up effect on every render.
  const [config] = useState(() => (configProp === undefined ? entraConfig() : configProp));
  const mode = config ? "entra" : "dev";
  const [status, setStatus] = useState<AuthState["status"]>("loading");
  const [user, setUser] = useState<User | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [msal, setMsal] = useState<import("@azure/msal-browser").PublicClientApplication | null>(null);

  const signOut = useCallback(() => {
    localStorage.removeItem(DEV_TOKEN_KEY);
    setUser(null);
    setStatus("signed-out");
    if (msal) void msal.logoutRedirect();
  }, [msal]);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      localStorage.removeItem(DEV_TOKEN_KEY);
      setUser(null);
      setStatus("signed-out");
      setError("Your session has ended. Sign in again.");
    });
  }, []);

  // Dev mode: the token minted by the API lives in localStorage until it expires (its `exp` claim), so every tab
  // of this browser shares the sign-in; signing in or out in one tab is seen by the others (storage events).
  useEffect(() => {
    if (mode !== "dev") return;
    setTokenSource(async () => {
      const token = localStorage.getItem(DEV_TOKEN_KEY);
      return token && !tokenExpired(token) ? token : null;
    });
    const sync = () => {
      const token = localStorage.getItem(DEV_TOKEN_KEY);
      if (token && !tokenExpired(token)) {
        setUser(userFromToken(token));
        setStatus("signed-in");
      } else {
        localStorage.removeItem(DEV_TOKEN_KEY);
        setUser(null);
        setStatus("signed-out");
      }
    };
    sync();
    const onStorage = (e: StorageEvent) => { if (e.key === null || e.key === DEV_TOKEN_KEY) sync(); };
    window.addEventListener("storage", onStorage);
    return () => window.removeEventListener("storage", onStorage);
  }, [mode]);

  // Entra mode: MSAL is loaded only when configured, so the dev bundle path never pays for it.
  useEffect(() => {
    if (!config) return;
    let cancelled = false;
    void (async () => {
      try {
        const { PublicClientApplication, InteractionRequiredAuthError } = await import("@azure/msal-browser");
        const pca = new PublicClientApplication({
          auth: { clientId: config.clientId, authority: config.authority, redirectUri: window.location.origin },
          cache: { cacheLocation: "localStorage" },  // one sign-in for every tab of the browser
        });
        await pca.initialize();
        const result = await pca.handleRedirectPromise();
        const account = result?.account ?? pca.getAllAccounts()[0] ?? null;
        if (cancelled) return;
        setMsal(pca);
        setTokenSource(async () => {
          const acct = pca.getActiveAccount() ?? pca.getAllAccounts()[0];
          if (!acct) return null;
          try {
            return (await pca.acquireTokenSilent({ scopes: [config.apiScope], account: acct })).accessToken;
          } catch (err) {
            if (err instanceof InteractionRequiredAuthError) await pca.acquireTokenRedirect({ scopes: [config.apiScope] });
            return null;
          }
        });
        if (account) {
          pca.setActiveAccount(account);
          const token = await pca.acquireTokenSilent({ scopes: [config.apiScope], account });
          setUser({ ...userFromToken(token.accessToken), name: account.name ?? account.username });
          setStatus("signed-in");
        } else {
          setStatus("signed-out");
        }
      } catch (err) {
        if (!cancelled) {
          setError(`Sign-in is unavailable: ${(err as Error).message}`);
          setStatus("signed-out");
        }
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [config]);

  const signIn = useCallback(
    async (role: Role = "admin") => {
      setError(null);
      if (config) {
        await msal?.loginRedirect({ scopes: [config.apiScope] });
        return;
      }
      try {
        const res = await fetch(`${API_BASE}${DEV_TOKEN_PATH}`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ role }),
        });
        if (!res.ok) {
          const body = (await res.json().catch(() => ({}))) as { detail?: string; title?: string };
          throw new Error(body.detail ?? body.title ?? `the API answered ${res.status}`);
        }
        const { access_token: token } = (await res.json()) as { access_token: string };
        localStorage.setItem(DEV_TOKEN_KEY, token);
        setUser(userFromToken(token));
        setStatus("signed-in");
      } catch (err) {
        setError(`Could not get a development token: ${(err as Error).message}`);
      }
    },
    [config, msal],
  );

  const value = useMemo(() => ({ mode, status, user, error, signIn, signOut }) as AuthState, [
    mode, status, user, error, signIn, signOut,
  ]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error("useAuth must be used inside <AuthProvider>");
  return ctx;
}
