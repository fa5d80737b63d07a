import { screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { renderApp } from "../test/render";
import { Can } from "./Can";

describe("<Can>", () => {
  it("shows admin-only controls to an admin", async () => {
    renderApp(<Can role="admin"><button>Edit tactic</button></Can>, { role: "admin" });
    expect(await screen.findByRole("button", { name: "Edit tactic" })).toBeInTheDocument();
  });

  it("hides them from a viewer and a supervisor", () => {
    renderApp(<><Can role="admin"><button>Edit tactic</button></Can><Can role="viewer"><p>read</p></Can></>, { role: "viewer" });
    expect(screen.getByText("read")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Edit tactic" })).not.toBeInTheDocument();
  });

  it("lets a supervisor run calls but not edit tactics", () => {
    renderApp(<><Can role="supervisor"><button>Place real call</button></Can><Can role="admin"><button>Edit tactic</button></Can></>,
      { role: "supervisor" });
    expect(screen.getByRole("button", { name: "Place real call" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Edit tactic" })).not.toBeInTheDocument();
  });
});
