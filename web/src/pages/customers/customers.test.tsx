import { describe, expect, it } from "vitest";
import { customerFlags } from "./flags";
import { rowErrors } from "./ImportCustomers";

describe("CSV import report", () => {
  it("turns the problem's errors into one line per bad row", () => {
    const body = { title: "Invalid CSV", status: 422, errors: [
      { loc: ["row", 3, "phone"], msg: "not a valid phone number" },
      { loc: ["row", 7, "balance"], msg: "must be a non-negative amount" },
      { loc: ["body"], msg: "file too large" },
    ] };
    expect(rowErrors(body)).toEqual([
      { row: 3, field: "phone", message: "not a valid phone number" },
      { row: 7, field: "balance", message: "must be a non-negative amount" },
      { row: 0, field: "body", message: "file too large" },
    ]);
    expect(rowErrors(null)).toEqual([]);
  });
});

describe("customer flags", () => {
  it("names the markers on record; a resolved dispute is not a flag", () => {
    expect(customerFlags({ cease_requested_at: "2026-01-01", disputed_at: "2026-01-02", dispute_resolved_at: "2026-01-03" }))
      .toEqual(["cease requested"]);
    expect(customerFlags({ attorney_at: "x", bankruptcy_at: "y", time_barred: true })).toEqual(["attorney", "bankruptcy", "time-barred"]);
    expect(customerFlags({})).toEqual([]);
  });
});
