/**
 * Every cache of the pipeline, and when each is dropped.
 *
 * In memory, for one process:
 * - Rendered Markdown, its plain text and its image references (render/markdown.ts,
 *   archive/model.ts, archive/assets.ts): pure functions of the text, the language (and,
 *   for a text with a relative address, the base); never stale, bounded in size, least
 *   recently used dropped first. In `lettre build` they are also looked up in, and kept
 *   with, the products (below).
 * - `BuildCache`, kept by `lettre dev` between rebuilds: parsed issues by file (a file the
 *   watcher did not see change is not read again; one it did is parsed again only if its
 *   text changed, so an unchanged file keeps its `Issue` object), then emails and archive
 *   renderings by `Issue` object, list pages by what they show (products in memory, those
 *   of the last rebuild only), and the last output by path. A change of the config or of
 *   any template drops every rendering (list pages: their keys hold both); a change of an
 *   image or file under newsletters/ drops the assets.
 *
 * On disk, between processes, in `.lettre/cache/` (deleting it is always safe):
 * - `emails/` (`DiskCache`): each compiled email (HTML, text and warnings) under the
 *   SHA-256 of everything it is made from: the issue's file name and text, the config, the
 *   email templates and labels, the language of messages, and the code (lettre's sources and
 *   mjml's version). A full build removes the entries it did not use; an unreadable or
 *   malformed entry is compiled again. `lettre send` reads its email here.
 * - `products/` (core/products.ts, `lettre build` only): parsed issues (by file, language
 *   and text), rendered texts, issue pages (by the issue and its two neighbours), list pages
 *   (by the issues they show, then by their data), calendars and feed entries (by issue),
 *   web copies of emails (by the email's key), facts of the cached emails (hashes and sizes:
 *   an email whose output is there is not read), and what the output folders hold. Keys
 *   hash the code and the language of messages (the index's version), the config and the
 *   templates (the archive's context). An entry unused for ten builds is dropped.
 * - `spare/` (pipeline/output.ts): the output folders the last build replaced, where the
 *   next build's staging starts; a file touched since (inode, size, time) is written again,
 *   a folder touched since is looked through.
 * Nothing on disk is ever invalidated: a change makes another key. Whatever cannot be read
 * is made again; a cache that cannot be written is done without.
 */
import { createHash } from "node:crypto";
import { readFileSync, rmSync, statSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { ArchiveMemo } from "../archive/memo.ts";
import { CONFIG_FILE, type Config, type loadConfig } from "../config/index.ts";
import type { Issue, ParseCache } from "../content/index.ts";
import type { Diagnostic } from "../core/diagnostic.ts";
import { type Content, cacheLost, Products } from "../core/products.ts";
import type { Email } from "../email/index.ts";
import type { loadTemplates, TemplateSet } from "../render/index.ts";

export interface MadeEmail {
  email?: Email | undefined;
  diagnostics: Diagnostic[];
}

export class BuildCache {
  config?: Awaited<ReturnType<typeof loadConfig>> | undefined;
  templates?: Awaited<ReturnType<typeof loadTemplates>> | undefined;
  readonly parsed: ParseCache = new Map();
  emails = new WeakMap<Issue, MadeEmail>();
  archive = new ArchiveMemo();
  /** Every output file as last written, by path under the output folder. */
  written?: Map<string, Content> | undefined;
  /** What the archive's last rebuild made (list pages), in memory only. */
  private products = new Products("memory");

  /** For a rebuild: the products the last one used, and nothing older. */
  nextProducts(): Products {
    this.products = this.products.next();
    return this.products;
  }

  /** Forgets what depends on `files` (paths relative to the project root). */
  invalidate(files: Iterable<string>): void {
    for (const file of files) {
      const parsed = this.parsed.get(file);
      if (parsed) parsed.current = false;
      if (file === CONFIG_FILE) {
        this.config = undefined;
        this.dropRenderings();
      } else if (file.startsWith("templates/")) {
        this.templates = undefined;
        this.dropRenderings();
      } else if (file.startsWith("newsletters/") && !file.endsWith(".md")) {
        this.archive.assets = new WeakMap();
      }
    }
  }

  private dropRenderings(): void {
    this.emails = new WeakMap();
    this.archive = new ArchiveMemo();
  }
}

export const DISK_CACHE_DIR = ".lettre/cache/emails";
const FORMAT = 2;

/** lettre's code: its TypeScript sources, or in the package the JavaScript made of them. */
const SRC = path.resolve(import.meta.dirname, "..");
let codeVersion: Promise<string> | undefined;

/** lettre's sources and mjml's version, hashed once per process. */
export function code(): Promise<string> {
  codeVersion ??= (async () => {
    const hash = createHash("sha256");
    const files = (await readdir(SRC, { recursive: true })).filter((f) => /\.[jt]s$/.test(f));
    for (const file of files.sort())
      hash.update(`${file}\0`).update(await readFile(path.join(SRC, file)));
    // And the libraries installed: a sanitizer or a compiler updated makes every product
    // again (npm's record of node_modules, else mjml's version alone).
    const mjml = createRequire(import.meta.url).resolve("mjml/package.json");
    const installed = path.join(mjml, "../../.package-lock.json");
    const lock = await readFile(installed).catch(() => undefined);
    if (lock) hash.update("\0").update(lock);
    const { version } = JSON.parse(await readFile(mjml, "utf8")) as { version: string };
    return hash.update(`\0mjml ${version}`).digest("hex");
  })();
  return codeVersion;
}

/** The hash of the code, the language of messages, the config and a set of templates. */
export async function contextOf(config: Config, templates: TemplateSet, locale: string) {
  const hash = createHash("sha256").update(`${FORMAT}\0${await code()}\0${locale}\0`);
  hash.update(JSON.stringify(config)).update("\0").update(JSON.stringify(templates.labels));
  for (const [file, source] of [...templates.sources].sort(([a], [b]) => a.localeCompare(b))) {
    hash.update(`\0${file}\0${source}`);
  }
  return hash.digest("hex");
}

export const PRODUCTS_DIR = ".lettre/cache/products";
/** The output folders the last build replaced, kept to start the next one from. */
export const SPARE_DIR = ".lettre/cache/spare";

/**
 * What the last `lettre build` made besides emails (core/products.ts): parsed issues,
 * rendered texts, pages, calendars, feed entries, web copies of emails. Its version is the
 * code's and the language of messages (every diagnostic kept is in it).
 */
export async function loadProducts(root: string, locale: string): Promise<Products> {
  return Products.load(path.join(root, PRODUCTS_DIR), `${await code()}\0${locale}`);
}

/** What a build's products remember of an email of the disk cache (hashes of its texts). */
export interface EmailFacts {
  html: string;
  text: string;
  /** Size of the entry's file in the disk cache. */
  size: number;
  bytes: number;
  textBytes: number;
  diagnostics: Diagnostic[];
}

export class DiskCache {
  private readonly dir: string;
  private readonly used = new Set<string>();
  private readonly context: Promise<string>;

  constructor(root: string, config: Config, templates: TemplateSet, locale: string) {
    this.dir = path.join(root, DISK_CACHE_DIR);
    this.context = contextOf(config, templates, locale);
  }

  async key(issue: Issue): Promise<string> {
    return createHash("sha256")
      .update(`${await this.context}\0${issue.file}\0${issue.lang}\0${issue.source}`)
      .digest("hex");
  }

  /**
   * The email under `key`, its texts read only when asked for (`facts` are what the last
   * build's products remember of it), or undefined if it is not there. Reading texts that
   * went in between throws a LettreError: the build stops before writing anything.
   */
  lazy(key: string, facts: EmailFacts): MadeEmail | undefined {
    const file = path.join(this.dir, `${key}.json`);
    // An entry of another size than it was written is not the same: compiled again.
    if (statSync(file, { throwIfNoEntry: false })?.size !== facts.size) return undefined;
    this.used.add(key);
    let read: Email | undefined;
    const load = (): Email => {
      read ??= this.read(key)?.email;
      if (read) return read;
      // Damaged since (its size unchanged): removed, so that running again compiles it.
      rmSync(file, { force: true });
      const where = path.join(DISK_CACHE_DIR, `${key}.json`);
      throw cacheLost(where);
    };
    const email: Email = {
      get html() {
        return load().html;
      },
      get text() {
        return load().text;
      },
      bytes: facts.bytes,
      textBytes: facts.textBytes,
    };
    return { email, diagnostics: facts.diagnostics };
  }

  async get(key: string): Promise<MadeEmail | undefined> {
    this.used.add(key);
    return this.read(key);
  }

  private read(key: string): MadeEmail | undefined {
    try {
      // Synchronous: hundreds are read by a build, three times faster so (core/files.ts).
      const entry = JSON.parse(readFileSync(path.join(this.dir, `${key}.json`), "utf8"));
      const { email, diagnostics } = entry;
      if (
        typeof email?.html !== "string" ||
        typeof email.text !== "string" ||
        typeof email.bytes !== "number" ||
        typeof email.textBytes !== "number" ||
        !Array.isArray(diagnostics)
      ) {
        return undefined;
      }
      return { email, diagnostics };
    } catch {
      return undefined;
    }
  }

  /** Whether `set` keeps this email: one that compiled; failures (rare) are made again. */
  keeps(made: MadeEmail): boolean {
    return (
      made.email !== undefined && !made.diagnostics.some((d) => d.severity === "error" || d.cause)
    );
  }

  /** The size of the file of an entry, once written or read (for `EmailFacts`). */
  sizeOf(key: string): number | undefined {
    return statSync(path.join(this.dir, `${key}.json`), { throwIfNoEntry: false })?.size;
  }

  async set(key: string, made: MadeEmail): Promise<void> {
    if (!this.keeps(made)) return;
    const file = path.join(this.dir, `${key}.json`);
    const temporary = `${file}.${process.pid}.tmp`;
    try {
      await mkdir(this.dir, { recursive: true });
      await writeFile(temporary, JSON.stringify(made));
      await rename(temporary, file);
    } catch {
      await rm(temporary, { force: true }).catch(() => undefined);
    }
  }

  /** After a full build: removes every entry this build did not use. */
  async prune(): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    for (const name of names) {
      if (!this.used.has(name.replace(/\.json$/, ""))) {
        await rm(path.join(this.dir, name), { force: true }).catch(() => undefined);
      }
    }
  }
}
