import { act, render, renderHook, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { THEME_KEY, ThemeProvider, readStoredTheme, useTheme } from "./theme";

function Toggle() {
  const { theme, toggle } = useTheme();
  return <button onClick={toggle}>theme is {theme}</button>;
}

describe("theme", () => {
  it("is dark by default and applies it to <html>", () => {
    render(<ThemeProvider><Toggle /></ThemeProvider>);
    expect(screen.getByRole("button")).toHaveTextContent("theme is dark");
    expect(document.documentElement.dataset.theme).toBe("dark");
  });

  it("toggles to light and persists the choice in localStorage", async () => {
    render(<ThemeProvider><Toggle /></ThemeProvider>);
    await userEvent.click(screen.getByRole("button"));
    expect(document.documentElement.dataset.theme).toBe("light");
    expect(localStorage.getItem(THEME_KEY)).toBe("light");
  });

  it("starts from the stored theme (a reload keeps it)", () => {
    localStorage.setItem(THEME_KEY, "light");
    const { result } = renderHook(() => useTheme(), { wrapper: ThemeProvider });
    expect(result.current.theme).toBe("light");
    act(() => result.current.setTheme("dark"));
    expect(readStoredTheme()).toBe("dark");
  });

  it("ignores a stored value that is not a theme", () => {
    localStorage.setItem(THEME_KEY, "purple");
    expect(readStoredTheme()).toBe("dark");
  });
});
