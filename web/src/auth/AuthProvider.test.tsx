import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { App } from "../App";
import { fakeToken, jsonResponse, renderApp } from "../test/render";
import { AuthProvider, DEV_TOKEN_KEY, DEV_TOKEN_PATH } from "./AuthProvider";
import { render } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";

function renderEntra() {
  const config = { clientId: "00000000-0000-0000-0000-000000000000", authority: "https://login.microsoftonline.com/organizations", apiScope: "api://archer/.default" };
  return render(
    <AuthProvider config={config}>
      <QueryClientProvider client={new QueryClient()}><MemoryRouter><App /></MemoryRouter></QueryClientProvider>
    </AuthProvider>,
  );
}

describe("dev sign-in (AUTH_MODE=dev)", () => {
  it("asks for a role, gets a token from the API and keeps it for every tab", async () => {
    const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url.endsWith(DEV_TOKEN_PATH)) {
        expect(JSON.parse(String(init?.body))).toEqual({ role: "viewer" });
        return jsonResponse({ access_token: fakeToken("viewer", "Val Viewer"), token_type: "bearer" });
      }
      return jsonResponse({ detail: "not in this test" }, 404);
    });
    vi.stubGlobal("fetch", fetch);
    renderApp(<App />);
    await userEvent.selectOptions(await screen.findByLabelText("Role"), "viewer");
    await userEvent.click(screen.getByRole("button", { name: "Sign in as viewer" }));
    expect(await screen.findByRole("navigation", { name: "Main" })).toBeInTheDocument();
    expect(screen.getByText("Val Viewer")).toBeInTheDocument();
    expect(localStorage.getItem(DEV_TOKEN_KEY)).toBeTruthy();
  });

  it("explains a refused token request in words", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => jsonResponse({ title: "Not Found", detail: "dev tokens are only issued under AUTH_MODE=dev" }, 404)));
    renderApp(<App />);
    await userEvent.click(await screen.findByRole("button", { name: "Sign in as admin" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("only issued under AUTH_MODE=dev");
  });

  it("drops an expired token and shows the sign-in screen", async () => {
    localStorage.setItem(DEV_TOKEN_KEY, "e30." + btoa(JSON.stringify({ roles: ["admin"], exp: 1 })) + ".x");
    renderApp(<App />);
    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeInTheDocument();
    await waitFor(() => expect(localStorage.getItem(DEV_TOKEN_KEY)).toBeNull());
  });
});

describe("sign-in shared across tabs", () => {
  it("signs this tab in and out when another tab does", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => jsonResponse({ detail: "not in this test" }, 404)));
    renderApp(<App />);
    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeInTheDocument();
    localStorage.setItem(DEV_TOKEN_KEY, fakeToken("supervisor", "Other Tab"));
    window.dispatchEvent(new StorageEvent("storage", { key: DEV_TOKEN_KEY }));
    expect(await screen.findByRole("navigation", { name: "Main" })).toBeInTheDocument();
    localStorage.removeItem(DEV_TOKEN_KEY);
    window.dispatchEvent(new StorageEvent("storage", { key: DEV_TOKEN_KEY }));
    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeInTheDocument();
  });
});

describe("Entra sign-in (VITE_ENTRA_CLIENT_ID set)", () => {
  it("offers Microsoft sign-in instead of the dev role picker", async () => {
    renderEntra();
    expect(await screen.findByRole("button", { name: "Sign in with Microsoft" })).toBeInTheDocument();
    expect(screen.queryByLabelText("Role")).not.toBeInTheDocument();
  });
});
