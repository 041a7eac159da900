import { describe, expect, it } from "vitest";
import { TextMemo } from "../../src/core/memo.ts";

describe("TextMemo", () => {
  it("keeps the most recently used entries within its size", () => {
    const memo = new TextMemo<string>(10);
    memo.set("a", "1111"); // 5 characters with its key
    memo.set("b", "2222"); // 10
    expect(memo.get("a")).toBe("1111"); // now the most recent
    memo.set("c", "3333"); // 15: the least recently used, b, goes
    expect(memo.get("b")).toBeUndefined();
    expect(memo.get("a")).toBe("1111");
    expect(memo.get("c")).toBe("3333");
  });

  it("keeps one entry larger than its size, and counts a replaced value once", () => {
    const memo = new TextMemo<string>(4);
    memo.set("big", "0123456789");
    expect(memo.get("big")).toBe("0123456789");
    memo.set("k", "v");
    expect(memo.get("big")).toBeUndefined();
    memo.set("k", "w");
    memo.set("j", "x"); // 2 + 2 characters: both fit
    expect([memo.get("k"), memo.get("j")]).toEqual(["w", "x"]);
  });
});
