import { describe, expect, it } from "vitest";
import { fakeToken } from "../test/render";
import { atLeast, decodeJwt, roleFromClaims } from "./roles";

describe("roles", () => {
  it("takes the highest Archer role from the roles claim", () => {
    expect(roleFromClaims({ roles: ["viewer", "admin", "supervisor"] })).toBe("admin");
    expect(roleFromClaims({ roles: ["Archer.Supervisor"] })).toBe("supervisor");
    expect(roleFromClaims({ roles: ["Other.Thing"] })).toBeNull();
    expect(roleFromClaims({})).toBeNull();
  });

  it("orders roles viewer < supervisor < admin", () => {
    expect(atLeast("admin", "supervisor")).toBe(true);
    expect(atLeast("supervisor", "admin")).toBe(false);
    expect(atLeast("viewer", "viewer")).toBe(true);
    expect(atLeast(null, "viewer")).toBe(false);
  });

  it("decodes a token's payload and tolerates garbage", () => {
    expect(decodeJwt(fakeToken("supervisor", "Zoë Ångström")).name).toBe("Zoë Ångström");
    expect(decodeJwt("not-a-token")).toEqual({});
    expect(decodeJwt("a.%%%.c")).toEqual({});
  });
});
