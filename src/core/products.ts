/**
 * What a build made that does not depend on anything but its inputs (an issue's page, its
 * parsed front matter, a rendered text), kept between two `lettre build`s in one file. Every
 * key is a hash (or the text) of everything its value is made from, so nothing is ever
 * stale: a change makes another key. What a build did not use is kept for `MAX_AGE` more
 * builds (a rebuild that changed nothing uses no issue's summary, which the next change
 * needs), then dropped: the files hold a few builds' worth. A file that cannot be read, or was written by another format, is
 * done without; one that cannot be written is too.
 *
 * Long texts (pages, web copies of emails) are kept each in its own file beside the index,
 * named by the hash of their text and read only when asked for: the index stays small
 * enough to read whole at the start of every build.
 */
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { deserialize, serialize } from "node:v8";
import { LettreError } from "./diagnostic.ts";
import { t } from "./i18n.ts";

const FORMAT = "lettre-products-3";
/** Builds an unused product outlives. */
const MAX_AGE = 10;
/** Texts longer than this go to their own file. */
const LONG = 2048;

/** A long text kept in its own file (`texts/<hash>`), by the hash of its text. */
class Stored {
  readonly hash: string;
  readonly length: number;
  constructor(hash: string, length: number) {
    this.hash = hash;
    this.length = length;
  }
}
/**
 * A long text of the last build, not read yet: its hash tells whether the output already
 * holds it; `read()` reads it when it must be written (a LettreError if its file went since).
 */
export class LazyText {
  /** The SHA-256 (base64url) of the text. */
  readonly hash: string;
  readonly read: () => string;
  constructor(hash: string, read: () => string) {
    this.hash = hash;
    this.read = read;
  }
}

/** A file's content, or a text of the last build that may not need reading. */
export type Content = string | Uint8Array | LazyText;

/** How the index names a long text: a key no product of lettre has. */
const STORED = "\u0000stored";

export class Products {
  private readonly known: Map<string, unknown>;
  private readonly used = new Map<string, unknown>();
  /** Of the code (and anything else every product depends on): another one reads nothing. */
  readonly version: string;
  /** Where long texts are, when these products came from (or go to) a file. */
  private readonly texts: string | undefined;
  /** The SHA-256 of long texts read or made, by text (the output writer needs it too). */
  private readonly hashes = new Map<string, string>();

  /** For products of the last build that it did not use: for how many builds. */
  private readonly ages: Map<string, number>;

  constructor(
    version: string,
    known: Map<string, unknown> = new Map(),
    texts?: string,
    ages: Map<string, number> = new Map(),
  ) {
    this.version = version;
    this.known = known;
    this.texts = texts;
    this.ages = ages;
  }

  get<T>(key: string): T | undefined {
    let value = this.used.get(key) ?? this.known.get(key);
    if (value instanceof Stored) value = this.read(value);
    if (value !== undefined) this.used.set(key, value);
    return value as T | undefined;
  }

  /**
   * A long text read back; undefined (made again) if its file is gone or cut short. (Like
   * the rest of `.lettre/cache/`, the files are trusted as the output folder is: each is
   * written whole under a new name, then renamed.)
   */
  private read(stored: Stored): string | undefined {
    if (!this.texts) return undefined;
    try {
      const text = readFileSync(path.join(this.texts, stored.hash), "utf8");
      if (text.length !== stored.length) return undefined;
      this.hashes.set(text, stored.hash);
      return text;
    } catch {
      return undefined;
    }
  }

  /** The SHA-256 (base64url) of `text`, known without hashing for a long text kept here. */
  hashOf(text: string): string {
    let hash = this.hashes.get(text);
    if (hash === undefined) {
      hash = sha256(text);
      if (text.length >= LONG) this.hashes.set(text, hash);
    }
    return hash;
  }

  set<T>(key: string, value: T): T {
    this.used.set(key, value);
    return value;
  }

  /**
   * Like `once`, for a text that may only be written to the output: a long one of the last
   * build is not read (a `LazyText`) if its file is there with its length.
   */
  onceText(key: string, make: () => string | undefined): string | LazyText | undefined {
    const value = this.used.get(key) ?? this.known.get(key);
    if (value instanceof Stored && this.texts) {
      const file = path.join(this.texts, value.hash);
      const size = statSync(file, { throwIfNoEntry: false })?.size;
      // Its length in characters is known, in bytes not: at least as many.
      if (size !== undefined && size >= value.length) {
        this.used.set(key, value);
        const { length } = value;
        return new LazyText(value.hash, () => {
          try {
            const text = readFileSync(file, "utf8");
            if (text.length === length) return text;
          } catch {}
          // Gone since it was looked at: too late to make it again (the build has said
          // it succeeded); nothing is written, and the next run makes it.
          const where = path.relative(process.cwd(), file);
          throw cacheLost(where);
        });
      }
    }
    return this.once(key, make);
  }

  /** `get(key)`, else `make()` kept under `key` (unless it is undefined). */
  once<T>(key: string, make: () => T): T {
    const known = this.get<T>(key);
    if (known !== undefined) return known;
    const value = make();
    if (value !== undefined) this.set(key, value);
    return value;
  }

  /** Products for the next build, in memory: what this one used, and nothing older. */
  next(): Products {
    return new Products(this.version, this.used, this.texts);
  }

  /** The products kept in `dir` (made by `save`), or none. */
  static async load(dir: string, version: string): Promise<Products> {
    const texts = path.join(dir, "texts");
    try {
      const stored = deserialize(await readFile(path.join(dir, INDEX))) as {
        format?: unknown;
        version?: unknown;
        entries?: unknown;
        ages?: unknown;
      };
      if (
        stored?.format === FORMAT &&
        stored.version === version &&
        stored.entries instanceof Map &&
        stored.ages instanceof Map
      ) {
        const entries = new Map<string, unknown>();
        for (const [key, value] of stored.entries as Map<string, unknown>) {
          entries.set(key, isStored(value) ? new Stored(value[STORED], value.length) : value);
        }
        return new Products(version, entries, texts, stored.ages as Map<string, number>);
      }
    } catch {
      // Missing, cut short or from another version of Node: made again.
    }
    return new Products(version, new Map(), texts);
  }

  /**
   * Writes what this build used into `dir`: long texts not there yet, then the index, whole
   * or not at all; then removes the long texts the index no longer names.
   */
  async save(dir: string): Promise<void> {
    const texts = path.join(dir, "texts");
    const index = path.join(dir, INDEX);
    const temporary = `${index}.${process.pid}.tmp`;
    try {
      await mkdir(texts, { recursive: true });
      const there = new Set(await readdir(texts));
      const entries = new Map<string, unknown>();
      const named = new Set<string>();
      const queue: [string, string][] = [];
      const ages = new Map<string, number>();
      const kept = new Map(this.used);
      for (const [key, value] of this.known) {
        if (kept.has(key)) continue;
        const age = (this.ages.get(key) ?? 0) + 1;
        if (age > MAX_AGE) continue;
        kept.set(key, value);
        ages.set(key, age);
      }
      for (const [key, value] of kept) {
        if (value instanceof Stored) {
          entries.set(key, { [STORED]: value.hash, length: value.length });
          named.add(value.hash);
          continue;
        }
        if (typeof value !== "string" || value.length < LONG) {
          entries.set(key, value);
          continue;
        }
        const hash = this.hashOf(value);
        entries.set(key, { [STORED]: hash, length: value.length });
        // Two products of the same text (a list page under two keys) share one file.
        if (!there.has(hash) && !named.has(hash)) queue.push([hash, value]);
        named.add(hash);
      }
      const writer = async () => {
        for (let next = queue.pop(); next; next = queue.pop()) {
          const [hash, text] = next;
          const file = path.join(texts, hash);
          await writeFile(`${file}.${process.pid}.tmp`, text);
          await rename(`${file}.${process.pid}.tmp`, file);
        }
      };
      // All writers stopped before going on, even when one failed.
      const written = await Promise.allSettled(Array.from({ length: 8 }, writer));
      const failed = written.find((w) => w.status === "rejected");
      if (failed) throw failed.reason;
      await writeFile(
        temporary,
        serialize({ format: FORMAT, version: this.version, entries, ages }),
      );
      await rename(temporary, index);
      for (const name of there) {
        if (!named.has(name)) await rm(path.join(texts, name), { force: true });
      }
    } catch {
      await rm(temporary, { force: true }).catch(() => undefined);
    }
  }
}

const INDEX = "index.bin";

function isStored(value: unknown): value is { [STORED]: string; length: number } {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof Object(value)[STORED] === "string" &&
    typeof Object(value).length === "number"
  );
}

/** What stops a build whose kept file (a page, an email) went between its lookup and its use. */
export function cacheLost(file: string): LettreError {
  return new LettreError([
    { file, rule: "cache-lost", severity: "error", message: t("cache-lost", { file }) },
  ]);
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("base64url");
}

/** A key for a product: its kind and the SHA-256 of everything it is made from. */
export function productKey(kind: string, ...parts: (string | undefined)[]): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part === undefined ? "\u0001" : `${part.length}:${part}`);
  return `${kind}:${hash.digest("base64url")}`;
}
