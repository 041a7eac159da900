/**
 * `lettre build` and `lettre check`: the pipeline, step by step.
 *   1. config        lettre.config.yaml → Config
 *   2. templates     templates/ → checked Handlebars environment
 *   3. content       newsletters/*.md → validated issues
 *   4. render        issue → MJML
 *   5. email         MJML → HTML + text
 *   6. archive       published issues → web pages, feeds, calendar, sitemap, search
 *   7. output        staging folder → dist/ (only when everything succeeded)
 */
import path from "node:path";
import { ARCHIVE_DIR, buildArchive } from "../archive/index.ts";
import { type Config, loadConfig } from "../config/index.ts";
import { type Issue, loadIssues } from "../content/index.ts";
import { cleanIssue } from "../core/chars.ts";
import { type Diagnostic, formatDiagnostic, hasErrors } from "../core/diagnostic.ts";
import { type Locale, setLocale } from "../core/i18n.ts";
import { compileEmail, type Email } from "../email/index.ts";
import { placeholderWarnings } from "../email/placeholders.ts";
import { archiveUrl, loadTemplates, renderEmailMjml, type Templates } from "../render/index.ts";
import type { BuildCache } from "./cache.ts";
import { writeChanged, writeFailure, writeOutputs } from "./output.ts";

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
  };
}

export async function build(options: BuildOptions): Promise<BuildResult> {
  const outDir = path.resolve(options.root, options.out ?? "dist");
  const result = emptyResult(outDir);
  const cache = options.cache;
  const { diagnostics } = result;

  const config = cache?.config ?? (await loadConfig(options.root));
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
  });
  diagnostics.push(...content.diagnostics);
  // Control characters pasted from Word would break feed.xml and events.ics: left out, said.
  const issues = content.issues.map((issue) => cleanIssue(issue));
  for (const cleaned of issues) diagnostics.push(...cleaned.diagnostics);
  content.issues = issues.map((cleaned) => cleaned.issue);
  result.drafts = content.drafts;
  if (!config.value || !templates.templates) return result;

  for (const issue of content.issues) {
    const made =
      cache?.emails.get(issue) ?? (await makeEmail(issue, config.value, templates.templates));
    cache?.emails.set(issue, made);
    diagnostics.push(...made.diagnostics);
    if (made.email) result.emails.push({ issue, email: made.email });
  }

  const archive = await buildArchive({
    root: options.root,
    config: config.value,
    templates: templates.templates.archive,
    issues: content.issues,
    emails: new Map(result.emails.map(({ issue, email }) => [issue.slug, email.html])),
    today: options.today ?? new Date().toISOString().slice(0, 10),
    ...(cache ? { memo: cache.archive } : {}),
  });
  // The email and the archive render the same Markdown: say each problem once.
  const said = new Set(diagnostics.map(formatDiagnostic));
  diagnostics.push(...archive.diagnostics.filter((d) => !said.has(formatDiagnostic(d))));

  const failed = hasErrors(diagnostics) || (options.strict === true && diagnostics.length > 0);
  result.ok = !failed;
  if (failed || options.write === false) return result;

  const files = new Map<string, string | Uint8Array>();
  for (const { issue, email } of result.emails) {
    files.set(`email/${issue.slug}.html`, email.html);
    files.set(`email/${issue.slug}.txt`, email.text);
  }
  for (const [file, content] of archive.files) files.set(`${ARCHIVE_DIR}/${file}`, content);
  result.archivePages = [...archive.files.keys()].filter((f) => f.endsWith("index.html")).length;
  const folders = ["email", ARCHIVE_DIR];
  try {
    result.changed = cache?.written
      ? await writeChanged(outDir, files, cache.written)
      : await writeOutputs(outDir, folders, files);
  } catch (error) {
    throw writeFailure(error, outDir) ?? error;
  }
  if (cache) cache.written = files;
  result.written = true;
  return result;
}

async function makeEmail(issue: Issue, config: Config, templates: Templates) {
  const diagnostics: Diagnostic[] = [];
  const rendered = renderEmailMjml(issue, config, templates.email);
  diagnostics.push(...rendered.diagnostics);
  if (rendered.mjml === undefined) return { diagnostics };
  const url = archiveUrl(config, issue.slug);
  const compiled = await compileEmail(rendered.mjml, issue, templates.email, { archiveUrl: url });
  diagnostics.push(...compiled.diagnostics);
  // Placeholders the send would leave as written: said now, with their line.
  if (compiled.email) diagnostics.push(...placeholderWarnings(issue, compiled.email.html, url));
  return { email: compiled.email, diagnostics };
}
