import { describe, expect, it } from "vitest";
import { errorMessage } from "./client";

describe("errorMessage", () => {
  it("words problem details, listing field errors", () => {
    expect(errorMessage({ title: "Not found", status: 404, detail: "customer not found" })).toBe("customer not found");
    expect(errorMessage({ title: "Invalid", detail: "invalid request", errors: [{ loc: ["body", "config", "urgency"], msg: "must be at most 10" }] }))
      .toBe("invalid request: config.urgency: must be at most 10");
  });

  it("words FastAPI validation lists, network failures and unknown shapes", () => {
    expect(errorMessage({ detail: [{ loc: ["query", "limit"], msg: "too big" }] })).toBe("limit: too big");
    expect(errorMessage(new TypeError("Failed to fetch"))).toBe("The server could not be reached.");
    expect(errorMessage({})).toBe("Something went wrong.");
    expect(errorMessage(undefined)).toBe("Something went wrong.");
  });
});
