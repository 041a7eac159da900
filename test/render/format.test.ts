import { describe, expect, it } from "vitest";
import { formatDate, formatDateRange, formatNumber } from "../../src/render/format.ts";

describe("dates and numbers in the issue's locale", () => {
  it("writes French dates with 1er for the first of the month", () => {
    expect(formatDate("2024-11-28", "fr")).toBe("28 novembre 2024");
    expect(formatDate("2025-12-01", "fr")).toBe("1er décembre 2025");
    expect(formatDate("2026-01", "fr")).toBe("janvier 2026");
    expect(formatDate("2025-12-01", "en")).toBe("1 December 2025");
  });

  it("writes ranges the way each language says them", () => {
    expect(formatDateRange("2025-11-05", "2025-12-09", "fr")).toBe(
      "du 5 novembre au 9 décembre 2025",
    );
    expect(formatDateRange("2025-11-01", "2025-11-09", "fr")).toBe("du 1er au 9 novembre 2025");
    expect(formatDateRange("2025-12-28", "2026-01-02", "fr")).toBe(
      "du 28 décembre 2025 au 2 janvier 2026",
    );
    expect(formatDateRange("2025-11-05", undefined, "fr")).toBe("5 novembre 2025");
    expect(formatDateRange("2025-11-05", "2025-12-09", "en")).toBe("5 November – 9 December 2025");
    expect(formatDateRange("2026-01", "2028-12", "fr")).toBe("de janvier 2026 à décembre 2028");
    expect(formatDateRange("2026-04", "2026-10-15", "fr")).toBe("d’avril 2026 à 15 octobre 2026");
    expect(formatDateRange("2026-01", "2028-12", "en")).toBe("January 2026 – December 2028");
    expect(formatDateRange("2025-03-15", "2027-06", "fr")).toBe("du 15 mars 2025 à juin 2027");
  });

  it("groups numbers and keeps numbers written as text", () => {
    expect(formatNumber(1631, "fr")).toBe("1\u202F631");
    expect(formatNumber(1631, "en")).toBe("1,631");
    expect(formatNumber("271 M€", "fr")).toBe("271 M€");
  });
});
