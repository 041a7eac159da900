/**
 * Stage "content": newsletters/*.md → validated, typed issues, plus every diagnostic.
 */
import { readdir, realpath } from "node:fs/promises";
import path from "node:path";
import { type Diagnostic, formatPath } from "../core/diagnostic.ts";
import { isInside, MAX_TEXT_BYTES, readText } from "../core/files.ts";
import { type Locale, suggestion, t } from "../core/i18n.ts";
import { checkMarkdown } from "../core/limits.ts";
import { type Products, productKey } from "../core/products.ts";
import { type LineOf, validate } from "../core/validate.ts";
import { lineInField, readYaml } from "../core/yaml.ts";
import { splitFrontMatter } from "./frontmatter.ts";
import {
  DATE_ORDER,
  type FrontMatter,
  frontMatterSchema,
  PREHEADER_MAX,
  SECTION_TYPES,
  type Section,
  sectionSchemas,
} from "./schema.ts";

export type { FrontMatter, Section, SectionType } from "./schema.ts";
export { SECTION_TYPES } from "./schema.ts";

/** One issue carried through the pipeline, like unified's VFile. */
export interface Issue {
  slug: string;
  /** Path relative to the project root, as shown in diagnostics. */
  file: string;
  /** The file's text, as read. */
  source: string;
  data: FrontMatter;
  lang: Locale;
  /** The Markdown body (editorial introduction). */
  body: string;
  bodyLine: number;
  /** Line of a field of the front matter, e.g. `lineOf(["sections", 2, "end"])`. */
  lineOf: LineOf;
  /**
   * Line in the file of line `offset` (0-based) of a Markdown text: of the body (`[]`) or of
   * a field (`["sections", 0, "body"]`). Inside a `|` block, the exact line; for other YAML
   * styles, which fold lines, the field's line.
   */
  lineIn: (path: readonly PropertyKey[], offset: number) => number;
}

/** Every Markdown text of an issue with its path: the body (`[]`), then each section's. */
export function markdownTexts(
  issue: Pick<Issue, "body" | "data">,
): { path: PropertyKey[]; text: string }[] {
  const texts: { path: PropertyKey[]; text: string }[] = [{ path: [], text: issue.body }];
  const add = (text: string | undefined, at: PropertyKey[]) => {
    if (text) texts.push({ path: at, text });
  };
  issue.data.sections.forEach((section, i) => {
    const at = ["sections", i];
    if ("body" in section) add(section.body, [...at, "body"]);
    if (section.type === "datathon") add(section.winner?.body, [...at, "winner", "body"]);
    if (section.type === "agenda") {
      section.items.forEach((item, j) => {
        add(item.body, [...at, "items", j, "body"]);
      });
    }
  });
  return texts;
}

export interface LoadResult {
  issues: Issue[];
  drafts: string[];
  diagnostics: Diagnostic[];
}

export const CONTENT_DIR = "newsletters";
const SLUG = /^[a-z0-9-]+$/;
/** Folders of the web archive: an issue named like one would replace it. */
export const RESERVED = new Set([
  "assets",
  "datathons",
  "events",
  "page",
  "projects",
  "search",
  "tags",
]);

/** Parses and validates one issue file's text. Never throws. */
export function parseIssue(
  source: string,
  file: string,
  defaultLang: Locale,
): { issue?: Issue; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const slug = path.basename(file, ".md");
  if (RESERVED.has(slug)) {
    diagnostics.push({
      file,
      line: 1,
      field: "slug",
      rule: "slug-reserved",
      severity: "error",
      message: t("slug-reserved", { value: path.basename(file), known: [...RESERVED].join(", ") }),
    });
  }
  if (!SLUG.test(slug)) {
    diagnostics.push({
      file,
      line: 1,
      field: "slug",
      rule: "slug",
      severity: "error",
      message: t("slug", { value: path.basename(file), suggestion: slugify(slug) }),
    });
  }
  const { split, diagnostics: splitDiagnostics } = splitFrontMatter(source, file);
  diagnostics.push(...splitDiagnostics);
  if (!split) return { diagnostics };

  const yaml = readYaml(split.yaml, file, split.yamlLine);
  diagnostics.push(...yaml.diagnostics);
  if (yaml.diagnostics.length > 0) return { diagnostics };
  if (yaml.data === null || typeof yaml.data !== "object" || Array.isArray(yaml.data)) {
    diagnostics.push({
      file,
      line: split.yamlLine,
      rule: "frontmatter-not-map",
      severity: "error",
      message: t("frontmatter-not-map"),
    });
    return { diagnostics };
  }

  const front = validate(frontMatterSchema, yaml.data, file, yaml.lineOf);
  diagnostics.push(...front.diagnostics);
  const rawSections = (yaml.data as { sections?: unknown }).sections;
  const sections = validateSections(rawSections, file, yaml.lineOf, diagnostics);
  if (!front.value || diagnostics.length > 0) return { diagnostics };

  const data: FrontMatter = { ...front.value, sections };
  if (data.preheader && [...data.preheader].length > PREHEADER_MAX) {
    diagnostics.push({
      file,
      line: yaml.lineOf(["preheader"]),
      field: "preheader",
      rule: "preheader-long",
      severity: "warning",
      message: t("preheader-long", { count: [...data.preheader].length }),
    });
  }
  const lines = source.replace(/^\uFEFF/, "").split(/\r?\n/);
  const lineIn = (at: readonly PropertyKey[], offset: number) =>
    at.length === 0 ? split.bodyLine + offset : lineInField(lines, yaml.lineOf, at, offset);
  const issue: Issue = {
    slug,
    file,
    source,
    data,
    lang: data.lang ?? defaultLang,
    body: split.body,
    bodyLine: split.bodyLine,
    lineOf: yaml.lineOf,
    lineIn,
  };
  const limits = checkMarkdownLimits(issue);
  diagnostics.push(...limits);
  return limits.length > 0 ? { diagnostics } : { issue, diagnostics };
}

/**
 * Markdown the renderer would take minutes over (markup piled up in one paragraph, lists
 * nested by the thousand): an error at its line, before any parsing.
 */
function checkMarkdownLimits(issue: Issue): Diagnostic[] {
  const texts = markdownTexts(issue);
  return checkMarkdown(texts.map(({ text }) => text)).map((problem) => {
    const at = texts[problem.text]?.path ?? [];
    return {
      file: issue.file,
      line: issue.lineIn(at, problem.line),
      field: at.length > 0 ? formatPath(at) : "body",
      rule: problem.rule,
      severity: "error",
      message: t(problem.rule, problem.params),
    };
  });
}

function validateSections(
  raw: unknown,
  file: string,
  lineOf: LineOf,
  diagnostics: Diagnostic[],
): Section[] {
  if (!Array.isArray(raw)) return [];
  const sections: Section[] = [];
  raw.forEach((item, index) => {
    const type = (item as { type?: unknown } | null)?.type;
    const at = ["sections", index];
    if (typeof type !== "string" || !Object.hasOwn(sectionSchemas, type)) {
      const known = SECTION_TYPES.join(", ");
      const hasType = typeof type === "string";
      diagnostics.push({
        file,
        line: lineOf(hasType ? [...at, "type"] : at),
        field: `sections[${index}].type`,
        rule: "unknown-section",
        severity: "error",
        message: hasType
          ? t("unknown-section", {
              value: type,
              known,
              suggestion: suggestion(type, SECTION_TYPES),
            })
          : t("section-type-missing", { known }),
      });
      return;
    }
    const schema = sectionSchemas[type as keyof typeof sectionSchemas];
    const result = validate(schema, item, file, lineOf, at);
    diagnostics.push(...result.diagnostics);
    const order = checkDateOrder(type, item as Record<string, unknown>, result.diagnostics);
    if (order) {
      const where = [...at, order.field];
      diagnostics.push({ ...order, file, line: lineOf(where), field: formatPath(where) });
    }
    if (result.value && !order) sections.push(result.value as Section);
  });
  return sections;
}

/** An end date before its start, unless that field already has an error of its own. */
function checkDateOrder(type: string, item: Record<string, unknown>, found: Diagnostic[]) {
  const pair = Object.hasOwn(DATE_ORDER, type) ? DATE_ORDER[type] : undefined;
  if (!pair) return undefined;
  const [startKey, endKey] = pair;
  const start = item[startKey];
  const end = item[endKey];
  if (typeof start !== "string" || typeof end !== "string") return undefined;
  // A month (2025-03) ends after any day of that month (2025-03-15): compare what both give.
  const length = Math.min(start.length, end.length);
  if (end.slice(0, length) >= start.slice(0, length)) return undefined;
  if (found.some((d) => d.field?.endsWith(`.${startKey}`) || d.field?.endsWith(`.${endKey}`))) {
    return undefined;
  }
  const field = endKey;
  return {
    field,
    rule: "date-order",
    severity: "error" as const,
    message: t("date-order", { other: startKey, value: start }),
  };
}

export type ParseCache = Map<
  string,
  {
    source: string;
    lang: Locale;
    /** Unchanged since read, as far as the watcher knows: not read again. */
    current?: boolean;
  } & ReturnType<typeof parseIssue>
>;

/**
 * Loads every `newsletters/*.md` under `root`, sorted by file name. With a `cache`, a file
 * whose text has not changed keeps its previous result (the same `Issue` object), so later
 * stages can reuse what they made from it.
 */
export async function loadIssues(
  root: string,
  options: {
    drafts?: boolean;
    defaultLang: Locale;
    cache?: ParseCache;
    /** What the last `lettre build` parsed (core/products.ts). */
    products?: Products;
  },
): Promise<LoadResult> {
  const dir = path.join(root, CONTENT_DIR);
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const all = entries.map((entry) => entry.name).sort();
  const result: LoadResult = { issues: [], drafts: [], diagnostics: [] };
  const links = await linksOutside(
    root,
    entries.filter((entry) => entry.isSymbolicLink()).map((entry) => entry.name),
  );
  if (links.folder) {
    // newsletters/ itself leads out of the project: read nothing from it.
    result.diagnostics.push(links.folder);
    return result;
  }
  result.diagnostics.push(...links.diagnostics);
  for (const name of all.filter((n) => /\.(md|markdown)$/i.test(n) && !n.endsWith(".md"))) {
    const suggestion = name.replace(/\.(md|markdown)$/i, ".md");
    result.diagnostics.push({
      file: `${CONTENT_DIR}/${name}`,
      rule: "extension",
      severity: "error",
      message: t("extension", { value: name, suggestion }),
    });
  }
  const add = ({ issue, diagnostics }: ReturnType<typeof parseIssue>) => {
    result.diagnostics.push(...diagnostics);
    if (!issue) return;
    if (issue.data.draft && !options.drafts) result.drafts.push(issue.slug);
    else result.issues.push(issue);
  };
  const present = new Set(all.map((name) => `${CONTENT_DIR}/${name}`));
  for (const file of options.cache?.keys() ?? []) {
    if (!present.has(file)) options.cache?.delete(file);
  }
  const files = all.filter((n) => n.endsWith(".md")).map((name) => `${CONTENT_DIR}/${name}`);
  // Read a few at a time (the order of the results stays the files' order).
  const reads: ReturnType<typeof readIssueFile>[] = [];
  const read = (file: string) => {
    const cached = options.cache?.get(file);
    return cached?.current && cached.lang === options.defaultLang
      ? undefined
      : readIssueFile(root, file);
  };
  for (let i = 0; i < files.length; i += READ_AT_ONCE) {
    const batch = files.slice(i, i + READ_AT_ONCE).map(read);
    await Promise.all(batch);
    reads.push(...batch.map((r) => r ?? Promise.resolve({ diagnostics: [] })));
  }
  for (const [i, file] of files.entries()) {
    const cached = options.cache?.get(file);
    const sameLang = cached?.lang === options.defaultLang;
    if (cached?.current && sameLang) {
      add(cached);
      continue;
    }
    const { text: source, diagnostics: readErrors } = (await reads[i]) ?? { diagnostics: [] };
    result.diagnostics.push(...readErrors);
    if (source === undefined) continue;
    const parsed =
      cached && sameLang && cached.source === source
        ? cached
        : parseKept(source, file, options.defaultLang, options.products);
    const entry = { ...parsed, source, lang: options.defaultLang, current: true };
    options.cache?.set(file, entry);
    add(entry);
  }
  return result;
}

const READ_AT_ONCE = 32;

/** What `parseIssue` found, as kept between builds: the issue without its line finders. */
interface KeptParse {
  issue?: Omit<Issue, "source" | "lineOf" | "lineIn">;
  diagnostics: Diagnostic[];
}

/**
 * `parseIssue`, or what the last build parsed from the same text. The lines of an issue's
 * fields are found again (the file parsed again) only when a diagnostic asks for one.
 */
function parseKept(
  source: string,
  file: string,
  defaultLang: Locale,
  products: Products | undefined,
): ReturnType<typeof parseIssue> {
  if (!products) return parseIssue(source, file, defaultLang);
  const key = productKey("issue", file, defaultLang, source);
  const kept = products.get<KeptParse>(key);
  if (kept) {
    if (!kept.issue) return { diagnostics: kept.diagnostics };
    let parsed: Issue | undefined;
    const lines = () => (parsed ??= parseIssue(source, file, defaultLang).issue);
    return {
      issue: {
        ...kept.issue,
        source,
        lineOf: (at) => lines()?.lineOf(at) ?? 1,
        lineIn: (at, offset) => lines()?.lineIn(at, offset) ?? 1,
      },
      diagnostics: kept.diagnostics,
    };
  }
  const parsed = parseIssue(source, file, defaultLang);
  if (parsed.diagnostics.every((d) => d.cause === undefined)) {
    const { issue, diagnostics } = parsed;
    products.set<KeptParse>(key, {
      diagnostics,
      ...(issue
        ? {
            issue: {
              slug: issue.slug,
              file: issue.file,
              data: issue.data,
              lang: issue.lang,
              body: issue.body,
              bodyLine: issue.bodyLine,
            },
          }
        : {}),
    });
  }
  return parsed;
}

/** An issue's file (`newsletters/x.md`): inside newsletters/, a regular file, of a sane size. */
function readIssueFile(root: string, file: string) {
  return readText(path.join(root, file), file, {
    root,
    within: CONTENT_DIR,
    maxBytes: MAX_TEXT_BYTES,
  });
}

/**
 * Loads one issue, `newsletters/<slug>.md`, read as `loadIssues` reads it. `known` lists
 * the issues there are when there is no such file (or the slug cannot be a file's name).
 */
export async function loadIssue(
  root: string,
  slug: string,
  defaultLang: Locale,
): Promise<{ issue?: Issue; diagnostics: Diagnostic[]; known?: string[] }> {
  const file = `${CONTENT_DIR}/${slug}.md`;
  const read = SLUG.test(slug) ? await readIssueFile(root, file) : undefined;
  if (read === undefined || read.missing) {
    const names = await readdir(path.join(root, CONTENT_DIR)).catch(() => [] as string[]);
    const known = names.filter((n) => n.endsWith(".md")).map((n) => n.slice(0, -3));
    return { diagnostics: [], known: known.sort() };
  }
  if (read.text === undefined) return { diagnostics: read.diagnostics };
  return parseIssue(read.text, file, defaultLang);
}

/**
 * Symbolic links of newsletters/ that lead out of it (`usr -> /usr`): a warning for each, as
 * lettre follows none of them (not `lettre dev`, not a build); an issue that uses a file
 * through one gets an error. An issue file that is such a link is refused when read. If
 * newsletters/ itself leads out of the project, that is the one error.
 */
async function linksOutside(
  root: string,
  names: string[],
): Promise<{ folder?: Diagnostic; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = [];
  const real = async (file: string) => realpath(path.join(root, file)).catch(() => undefined);
  const project = await real(".");
  const content = await real(CONTENT_DIR);
  if (!project || !content) return { diagnostics };
  if (!isInside(content, project)) {
    const message = t("file-outside", { file: `${CONTENT_DIR}/`, target: content });
    return {
      folder: { file: CONTENT_DIR, rule: "file-outside", severity: "error", message },
      diagnostics,
    };
  }
  for (const name of names.filter((n) => !n.endsWith(".md")).sort()) {
    const target = await real(`${CONTENT_DIR}/${name}`);
    if (target === undefined || isInside(target, content)) continue;
    diagnostics.push({
      file: `${CONTENT_DIR}/${name}`,
      rule: "link-outside",
      severity: "warning",
      message: t("link-outside", { target }),
    });
  }
  return { diagnostics };
}

/** `Édition Été 2025` → `edition-ete-2025`. */
export function slugify(value: string): string {
  return (
    value
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "") || "lettre"
  );
}
