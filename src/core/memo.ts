import type { Products } from "./products.ts";

/** Every named memo, so that a build can keep them all on disk (`keepMemosIn`). */
const named = new Set<TextMemo<string | { size: number }>>();

/**
 * A memo of a pure function of text: results by key, the least recently used dropped once
 * the keys and values together pass `maxChars` characters. For functions whose result
 * depends on nothing but the key (and the code), so it never needs invalidating. A memo
 * with a name is also looked up in, and written to, the products `keepMemosIn` gave.
 */
export class TextMemo<V extends string | { size: number }> {
  private readonly entries = new Map<string, V>();
  private chars = 0;
  private readonly maxChars: number;
  private readonly name: string | undefined;
  private products: Products | undefined;

  constructor(maxChars: number, name?: string) {
    this.maxChars = maxChars;
    this.name = name;
    if (name) named.add(this as TextMemo<string | { size: number }>);
  }

  /** Products that outlive the process; undefined to stop. */
  keepIn(products: Products | undefined): void {
    this.products = products;
  }

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      // Most recently used last: eviction takes from the front.
      this.entries.delete(key);
      this.entries.set(key, value);
      this.products?.set(`${this.name}:${key}`, value);
      return value;
    }
    const kept = this.products?.get<V>(`${this.name}:${key}`);
    if (kept !== undefined) this.remember(key, kept);
    return kept;
  }

  set(key: string, value: V): V {
    this.products?.set(`${this.name}:${key}`, value);
    return this.remember(key, value);
  }

  private remember(key: string, value: V): V {
    const old = this.entries.get(key);
    if (old !== undefined) this.chars -= key.length + sizeOf(old);
    this.entries.delete(key);
    this.entries.set(key, value);
    this.chars += key.length + sizeOf(value);
    for (const [oldest, held] of this.entries) {
      if (this.chars <= this.maxChars || this.entries.size === 1) break;
      this.entries.delete(oldest);
      this.chars -= oldest.length + sizeOf(held);
    }
    return value;
  }
}

function sizeOf(value: string | { size: number }): number {
  return typeof value === "string" ? value.length : value.size;
}

/** Named memos read from and write to `products` (a build's), or stop (undefined). */
export function keepMemosIn(products: Products | undefined): void {
  for (const memo of named) memo.keepIn(products);
}
