// Where the current bearer token comes from, shared by the API client and the websockets.
type TokenSource = () => Promise<string | null>;

let source: TokenSource = async () => null;
let onUnauthorized: () => void = () => {};

export function setTokenSource(next: TokenSource): void {
  source = next;
}

export function getToken(): Promise<string | null> {
  return source();
}

export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

export function notifyUnauthorized(): void {
  onUnauthorized();
}

/** A websocket URL with the token as `token` (browsers cannot set headers on websockets; the voice service reads it). */
export async function authedWsUrl(base: string, path: string, params: Record<string, string> = {}): Promise<string> {
  const url = new URL(path, base.replace(/^ws/, "http"));
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const token = await getToken();
  if (token) url.searchParams.set("token", token);
  return url.toString().replace(/^http/, "ws");
}
