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
import { loadConfig } from "../config/index.ts";
import { type Issue, loadIssues } from "../content/index.ts";
import { type Diagnostic, formatDiagnostic, hasErrors } from "../core/diagnostic.ts";
import { type Locale, setLocale } from "../core/i18n.ts";
import { compileEmail, type Email } from "../email/index.ts";
import { archiveUrl, loadTemplates, renderEmailMjml } from "../render/index.ts";
import { writeOutputs } from "./output.ts";

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
}

export async function build(options: BuildOptions): Promise<BuildResult> {
  const outDir = path.resolve(options.root, options.out ?? "dist");
  const result: BuildResult = {
    ok: false,
    diagnostics: [],
    emails: [],
    drafts: [],
    outDir,
    written: false,
    archivePages: 0,
  };
  const { diagnostics } = result;

  const config = await loadConfig(options.root);
  diagnostics.push(...config.diagnostics);
  setLocale(options.lang ?? config.value?.lang);
  const templates = await loadTemplates(options.root);
  diagnostics.push(...templates.diagnostics);
  const content = await loadIssues(options.root, {
    drafts: options.drafts ?? false,
    defaultLang: config.value?.lang ?? "fr",
  });
  diagnostics.push(...content.diagnostics);
  result.drafts = content.drafts;
  if (!config.value || !templates.templates) return result;

  for (const issue of content.issues) {
    const rendered = renderEmailMjml(issue, config.value, templates.templates.email);
    diagnostics.push(...rendered.diagnostics);
    if (rendered.mjml === undefined) continue;
    const compiled = await compileEmail(rendered.mjml, issue, templates.templates.email, {
      archiveUrl: archiveUrl(config.value, issue.slug),
    });
    diagnostics.push(...compiled.diagnostics);
    if (compiled.email) result.emails.push({ issue, email: compiled.email });
  }

  const archive = await buildArchive({
    root: options.root,
    config: config.value,
    templates: templates.templates.archive,
    issues: content.issues,
    emails: new Map(result.emails.map(({ issue, email }) => [issue.slug, email.html])),
    today: options.today ?? new Date().toISOString().slice(0, 10),
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
  await writeOutputs(outDir, ["email", ARCHIVE_DIR], files);
  result.written = true;
  return result;
}
