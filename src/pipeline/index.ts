/**
 * Stage "pipeline": the whole build, and one issue's email on demand.
 *   1. config        lettre.config.yaml → Config
 *   2. templates     templates/ → checked Handlebars environment
 *   3. content       newsletters/*.md → validated issues
 *   4. render        issue → MJML
 *   5. email         MJML → HTML + text (worker threads for a full build; cache.ts)
 *   6. archive       published issues → web pages, feeds, calendar, sitemap, search
 *   7. output        staging folder → dist/ (only when everything succeeded)
 * `lettre build`, `lettre check`, `lettre dev` (watch/) and `lettre send` call these; the
 * CLI only parses arguments and prints.
 */
import { createHash } from "node:crypto";
import path from "node:path";
import { ARCHIVE_DIR, buildArchive } from "../archive/index.ts";
import { type Config, loadConfig } from "../config/index.ts";
import { type Issue, loadIssue, loadIssues } from "../content/index.ts";
import { cleanIssue } from "../core/chars.ts";
import { type Diagnostic, formatDiagnostic, hasErrors } from "../core/diagnostic.ts";
import { getLocale, type Locale, setLocale } from "../core/i18n.ts";
import { keepMemosIn } from "../core/memo.ts";
import { type Content, LazyText, type Products } from "../core/products.ts";
import type { Compiled } from "../email/compile.ts";
import { compileEmail, type Email } from "../email/index.ts";
import { placeholderWarnings } from "../email/placeholders.ts";
import { archiveUrl, loadTemplates, renderEmailMjml, type Templates } from "../render/index.ts";
import {
  type BuildCache,
  contextOf,
  DiskCache,
  type EmailFacts,
  loadProducts,
  type MadeEmail,
  PRODUCTS_DIR,
  SPARE_DIR,
} from "./cache.ts";
import { type Recycling, writeChanged, writeFailure, writeOutputs } from "./output.ts";
import { CompilePool, POOL_THRESHOLD, workerCount } from "./workers.ts";

export interface BuildOptions {
  root: string;
  /** Output folder, relative to root unless absolute. Default `dist`. */
  out?: string;
  drafts?: boolean;
  strict?: boolean;
  /** false for `lettre check`: validate everything, write nothing. */
  write?: boolean;
  /** Language of messages; defaults to the config's `lang`. */
  lang?: Locale;
  /** YYYY-MM-DD that splits upcoming from past events; default: today. */
  today?: string;
  /** Kept between the rebuilds of `lettre dev`: only what changed is made and written. */
  cache?: BuildCache;
  /** Emails kept in `.lettre/cache/` between processes (cache.ts); default true. */
  diskCache?: boolean;
}

export interface BuildResult {
  ok: boolean;
  diagnostics: Diagnostic[];
  emails: { issue: Issue; email: Email }[];
  drafts: string[];
  outDir: string;
  written: boolean;
  /** Number of web pages in the archive. */
  archivePages: number;
  /** Output files written or removed by this build, relative to `outDir`. */
  changed: string[];
  /** Emails compiled by this build; the others came from a cache (cache.ts). */
  compiled: number;
  /** The config's site.url, where the archive (and the emails' images) will be published. */
  siteUrl?: string;
}

/** A build that produced nothing (yet): not ok, nothing written. */
export function emptyResult(outDir: string, diagnostics: Diagnostic[] = []): BuildResult {
  return {
    ok: false,
    diagnostics,
    emails: [],
    drafts: [],
    outDir,
    written: false,
    archivePages: 0,
    changed: [],
    compiled: 0,
  };
}

export async function build(options: BuildOptions): Promise<BuildResult> {
  // `lettre build` keeps what it made on disk for the next one; `lettre dev` keeps it in
  // memory (options.cache).
  const keep = options.diskCache !== false && !options.cache;
  if (!keep) return buildWith(options);
  const config = await loadConfig(options.root);
  const products = await loadProducts(options.root, options.lang ?? config.value?.lang ?? "fr");
  keepMemosIn(products);
  try {
    const result = await buildWith(options, { config, products });
    await products.save(path.join(options.root, PRODUCTS_DIR));
    return result;
  } finally {
    keepMemosIn(undefined);
  }
}

async function buildWith(
  options: BuildOptions,
  kept: { config?: Awaited<ReturnType<typeof loadConfig>>; products?: Products } = {},
): Promise<BuildResult> {
  const outDir = path.resolve(options.root, options.out ?? "dist");
  const result = emptyResult(outDir);
  const cache = options.cache;
  const { diagnostics } = result;

  const config = cache?.config ?? kept.config ?? (await loadConfig(options.root));
  if (cache) cache.config = config;
  diagnostics.push(...config.diagnostics);
  setLocale(options.lang ?? config.value?.lang);
  const templates = cache?.templates ?? (await loadTemplates(options.root));
  if (cache) cache.templates = templates;
  diagnostics.push(...templates.diagnostics);
  const content = await loadIssues(options.root, {
    drafts: options.drafts ?? false,
    defaultLang: config.value?.lang ?? "fr",
    ...(cache ? { cache: cache.parsed } : {}),
    ...(kept.products ? { products: kept.products } : {}),
  });
  diagnostics.push(...content.diagnostics);
  // Control characters pasted from Word would break feed.xml and events.ics: left out, said.
  const issues = content.issues.map((issue) => cleanIssue(issue));
  for (const cleaned of issues) diagnostics.push(...cleaned.diagnostics);
  content.issues = issues.map((cleaned) => cleaned.issue);
  result.drafts = content.drafts;
  if (!config.value || !templates.templates) return result;
  result.siteUrl = config.value.site.url;

  const emails = makeEmails(
    content.issues,
    config.value,
    templates.templates,
    { ...options, ...(kept.products ? { products: kept.products } : {}) },
    true,
  );
  // Awaited below; a failure there must not go unhandled while the archive is made.
  emails.catch(() => undefined);
  // `lettre dev` keeps the list pages of its last rebuild in memory (cache.ts).
  const listProducts = kept.products ?? cache?.nextProducts();
  const archive = await buildArchive({
    root: options.root,
    config: config.value,
    templates: templates.templates.archive,
    issues: content.issues,
    emails: emails.then(
      ({ made }) =>
        new Map(
          made.flatMap(({ issue, email, key }) =>
            email ? [[issue.slug, { email, ...(key ? { key } : {}) }]] : [],
          ),
        ),
    ),
    today: options.today ?? new Date().toISOString().slice(0, 10),
    ...(cache ? { memo: cache.archive } : {}),
    ...(listProducts
      ? {
          products: {
            kept: listProducts,
            context: await contextOf(config.value, templates.templates.archive, getLocale()),
          },
        }
      : {}),
  });
  const made = await emails;
  result.compiled = made.compiled;
  for (const { issue, email, diagnostics: found } of made.made) {
    diagnostics.push(...found);
    if (email) result.emails.push({ issue, email });
  }
  // The email and the archive render the same Markdown: say each problem once.
  const said = new Set(diagnostics.map(formatDiagnostic));
  diagnostics.push(...archive.diagnostics.filter((d) => !said.has(formatDiagnostic(d))));

  const failed = hasErrors(diagnostics) || (options.strict === true && diagnostics.length > 0);
  result.ok = !failed;
  if (failed || options.write === false) return result;

  const files = new Map<string, Content>();
  for (const { issue, email, facts } of made.made) {
    if (!email) continue;
    // Emails of the last build are read only if the output lacks them (pipeline/output.ts).
    files.set(
      `email/${issue.slug}.html`,
      facts ? new LazyText(facts.html, () => email.html) : email.html,
    );
    files.set(
      `email/${issue.slug}.txt`,
      facts ? new LazyText(facts.text, () => email.text) : email.text,
    );
  }
  for (const [file, content] of archive.files) files.set(`${ARCHIVE_DIR}/${file}`, content);
  result.archivePages = [...archive.files.keys()].filter((f) => f.endsWith("index.html")).length;
  const folders = ["email", ARCHIVE_DIR];
  // What the last `lettre build` left in this folder and in its spare (output.ts).
  const writtenKey = `written:${outDir}`;
  const recycling: Recycling | undefined = kept.products && {
    spareDir: path.join(
      options.root,
      SPARE_DIR,
      createHash("sha256").update(outDir).digest("hex").slice(0, 16),
    ),
    last: kept.products.get<Recycling["last"]>(writtenKey),
    now: kept.products.set<Recycling["now"]>(writtenKey, { live: new Map() }),
    hashOf: (text: string) => kept.products?.hashOf(text) ?? "",
  };
  try {
    result.changed = cache?.written
      ? await writeChanged(outDir, files, cache.written)
      : await writeOutputs(outDir, folders, files, recycling);
  } catch (error) {
    throw writeFailure(error, outDir) ?? error;
  }
  if (cache) cache.written = files;
  result.written = true;
  return result;
}

/**
 * Every issue's email: from `lettre dev`'s memory, else from the disk cache, else made,
 * the MJML compiled in worker threads when there are several to compile.
 */
async function makeEmails(
  issues: readonly Issue[],
  config: Config,
  templates: Templates,
  options: Pick<BuildOptions, "root" | "cache" | "diskCache"> & { products?: Products },
  /** Every issue is here: the disk cache keeps only theirs. */
  full: boolean,
): Promise<{
  made: ({ issue: Issue; key?: string | undefined; facts?: EmailFacts | undefined } & MadeEmail)[];
  compiled: number;
}> {
  const { products } = options;
  const memory = options.cache?.emails;
  const disk =
    options.diskCache === false
      ? undefined
      : new DiskCache(options.root, config, templates.email, getLocale());
  const found = await Promise.all(
    issues.map(async (issue) => {
      const known = memory?.get(issue);
      if (known) return { issue, made: known };
      const key = await disk?.key(issue);
      const facts = key ? products?.get<EmailFacts>(`email:${key}`) : undefined;
      const lazy = key && facts ? disk?.lazy(key, facts) : undefined;
      if (lazy) return { issue, key, made: lazy, facts };
      return { issue, key, made: key ? await disk?.get(key) : undefined };
    }),
  );
  const missing = found.filter((f) => !f.made).length;
  const threads = options.cache || missing < POOL_THRESHOLD ? 0 : workerCount();
  const pool = threads > 0 ? new CompilePool(threads) : undefined;
  try {
    const made: Promise<MadeEmail>[] = [];
    for (const f of found) {
      // Rendered here, one after the other, while the workers compile.
      const email = f.made ?? makeEmail(f.issue, config, templates, pool?.compile);
      if (!pool) await email;
      made.push(
        Promise.resolve(email).then(async (m) => {
          memory?.set(f.issue, m);
          if (!f.made && f.key) await disk?.set(f.key, m);
          return m;
        }),
      );
    }
    const all = await Promise.all(made);
    if (full && !options.cache) await disk?.prune();
    return {
      made: found.map((f, i) => {
        const m = all[i] as MadeEmail;
        // What the next build needs to know of this email without reading it.
        let facts = "facts" in f ? f.facts : undefined;
        const size = !facts && products && f.key && m.email ? disk?.sizeOf(f.key) : undefined;
        if (products && f.key && m.email && size !== undefined) {
          facts = products.set<EmailFacts>(`email:${f.key}`, {
            size,
            html: products.hashOf(m.email.html),
            text: products.hashOf(m.email.text),
            bytes: m.email.bytes,
            textBytes: m.email.textBytes,
            diagnostics: m.diagnostics,
          });
        }
        return { issue: f.issue, key: f.key, facts, ...m };
      }),
      compiled: missing,
    };
  } finally {
    await pool?.close();
  }
}

async function makeEmail(
  issue: Issue,
  config: Config,
  templates: Templates,
  compile?: (mjml: string) => Promise<Compiled>,
): Promise<MadeEmail> {
  const diagnostics: Diagnostic[] = [];
  const rendered = renderEmailMjml(issue, config, templates.email);
  diagnostics.push(...rendered.diagnostics);
  if (rendered.mjml === undefined) return { diagnostics };
  const url = archiveUrl(config, issue.slug);
  const compiled = await compileEmail(rendered.mjml, issue, templates.email, {
    archiveUrl: url,
    ...(compile ? { compile } : {}),
  });
  diagnostics.push(...compiled.diagnostics);
  // Placeholders the send would leave as written: said now, with their line.
  if (compiled.email) diagnostics.push(...placeholderWarnings(issue, compiled.email.html, url));
  return { email: compiled.email, diagnostics };
}

export interface IssueBuild {
  issue?: Issue;
  email?: Email;
  /** Of the config, the templates and this issue. */
  diagnostics: Diagnostic[];
  /** The issues there are, when there is none by this name. */
  known?: string[];
}

/**
 * One issue's email, as `build` makes it (drafts included), without building the others or
 * the archive: what `lettre send` sends. The email comes from the disk cache when it is there.
 */
export async function buildIssue(
  root: string,
  slug: string,
  options: { lang?: Locale; diskCache?: boolean } = {},
): Promise<IssueBuild> {
  const config = await loadConfig(root);
  setLocale(options.lang ?? config.value?.lang);
  const diagnostics = [...config.diagnostics];
  const templates = await loadTemplates(root);
  diagnostics.push(...templates.diagnostics);
  const loaded = await loadIssue(root, slug, config.value?.lang ?? "fr");
  diagnostics.push(...loaded.diagnostics);
  if (loaded.known) return { diagnostics, known: loaded.known };
  if (!loaded.issue) return { diagnostics };
  const cleaned = cleanIssue(loaded.issue);
  diagnostics.push(...cleaned.diagnostics);
  const { issue } = cleaned;
  if (!config.value || !templates.templates) return { issue, diagnostics };
  const {
    made: [made],
  } = await makeEmails(
    [issue],
    config.value,
    templates.templates,
    {
      root,
      ...(options.diskCache === undefined ? {} : { diskCache: options.diskCache }),
    },
    false,
  );
  diagnostics.push(...(made?.diagnostics ?? []));
  return { issue, ...(made?.email ? { email: made.email } : {}), diagnostics };
}
