/**
 * A memo of a pure function of text: results by key, the least recently used dropped once
 * the keys and values together pass `maxChars` characters. For functions whose result
 * depends on nothing but the key (and the code), so it never needs invalidating.
 */
export class TextMemo<V extends string | { size: number }> {
  private readonly entries = new Map<string, V>();
  private chars = 0;
  private readonly maxChars: number;

  constructor(maxChars: number) {
    this.maxChars = maxChars;
  }

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      // Most recently used last: eviction takes from the front.
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): V {
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
