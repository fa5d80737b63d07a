import { describe, expect, it } from "vitest";
import { screen } from "@testing-library/react";
import { renderApp } from "../../test/render";
import { FlagBadges, FlagTable, flagText } from "./flags";
import { importSummary, rowErrors } from "./ImportCustomers";
import { label } from "../../lib/labels";

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

  it("counts rows and problems apart (one row with five problems is one row)", () => {
    const five = ["phone", "balance", "postal_code", "account_last_4", "days_overdue"].map((field) => ({ row: 2, field, message: "bad" }));
    expect(importSummary(five)).toBe("1 row has 5 problems");
    expect(importSummary([...five, { row: 4, field: "phone", message: "bad" }])).toBe("2 rows have 6 problems");
    expect(importSummary([{ row: 0, field: "body", message: "empty" }])).toBe("the file has 1 problem");
  });
});

describe("customer flags", () => {
  const dnc = { code: "dnc" as const, since: "2026-11-03T15:00:00Z", source: "do-not-call list (consumer request)", blocking: true };
  const spanish = { code: "language" as const, since: "2026-11-20T15:00:00Z", source: "said on a call", blocking: false, detail: "es" };

  it("words every flag from the one label table (never 'Dnc listed')", () => {
    expect(label("dnc_listed")).toBe("On do-not-call list");
    expect(label("disclosure_ai_identification")).toBe("AI identification disclosed");
    expect(label("sms_opt_out")).toBe("SMS opt out");
    expect(flagText(spanish)).toBe("Speaks Spanish");
  });

  it("shows each flag with its date on lists and its source in the table", () => {
    renderApp(<><FlagBadges flags={[dnc, spanish]} /><FlagTable flags={[dnc]} /></>);
    expect(screen.getAllByText(/On do-not-call list/)[0]).toHaveTextContent("Nov 3, 2026");
    expect(screen.getByRole("table", { name: "Compliance flags" })).toHaveTextContent("consumer request");
    expect(screen.getByRole("table", { name: "Compliance flags" })).toHaveTextContent("Stops collection calls");
  });
});
