import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Route, Routes } from "react-router";
import { describe, expect, it } from "vitest";
import { renderApp } from "../test/render";
import { Layout } from "./Layout";

function frame() {
  return <Routes><Route element={<Layout />}><Route index element={<p>page body</p>} /></Route></Routes>;
}

describe("<Layout>", () => {
  it("has labelled navigation, a skip link and the page", async () => {
    renderApp(frame(), { role: "admin" });
    expect(await screen.findByRole("navigation", { name: "Main" })).toBeInTheDocument();
    for (const name of ["Dashboard", "Calls", "Test call", "Tactics", "Campaigns", "Customers", "Compliance"]) {
      expect(screen.getByRole("link", { name })).toBeInTheDocument();
    }
    expect(screen.getByRole("link", { name: "Skip to content" })).toHaveAttribute("href", "#main");
    expect(screen.getByText("page body")).toBeInTheDocument();
  });

  it("switches the theme from the user menu, by keyboard", async () => {
    renderApp(frame(), { role: "viewer" });
    const menu = await screen.findByRole("button", { name: /^User menu/ });
    menu.focus();
    await userEvent.keyboard("{Enter}");
    expect(menu).toHaveAttribute("aria-expanded", "true");
    await userEvent.click(screen.getByRole("menuitem", { name: "Switch to light theme" }));
    expect(document.documentElement.dataset.theme).toBe("light");
    expect(localStorage.getItem("archer.theme")).toBe("light");
    expect(screen.queryByRole("menu")).not.toBeInTheDocument();
  });

  it("closes the user menu with Escape", async () => {
    renderApp(frame(), { role: "viewer" });
    await userEvent.click(await screen.findByRole("button", { name: /^User menu/ }));
    expect(screen.getByRole("menu")).toBeInTheDocument();
    await userEvent.keyboard("{Escape}");
    expect(screen.queryByRole("menu")).not.toBeInTheDocument();
  });
});
