import path from "node:path";
import Handlebars from "handlebars";
import { z } from "zod";
import { SECTION_TYPES } from "../content/index.ts";
import type { Diagnostic } from "../core/diagnostic.ts";
import { text } from "../core/fields.ts";
import { MAX_TEXT_BYTES, readFailureMessage } from "../core/files.ts";
import { SUPPORTED_LOCALES, suggestion, t } from "../core/i18n.ts";
import { validate } from "../core/validate.ts";
import { readYaml } from "../core/yaml.ts";
import { BUILTIN_HELPERS, createHelpers, type Labels } from "./helpers.ts";
import {
  listThemeDir,
  type Origin,
  readSide,
  readThemeFile,
  shownFile,
  type Theme,
  themeOf,
} from "./theme.ts";

export const EMAIL_LAYOUT = "templates/email/layout.mjml.hbs";
export const LABELS_FILE = "templates/labels.yaml";

/** One rendering of the issues: its templates, partials and a template per section type. */
export interface SetSpec {
  dir: string;
  /** Entry templates, relative to `dir`; each is rendered by name (file name, no extension). */
  pages: readonly string[];
  /** Wrap partials in markers so that errors in the output can be traced to a template. */
  markers: boolean;
}

export const EMAIL_SET: SetSpec = {
  dir: "templates/email",
  pages: ["layout.mjml.hbs", "confirm.mjml.hbs"],
  markers: true,
};
export const ARCHIVE_PAGES = [
  "index",
  "issue",
  "tags",
  "tag",
  "events",
  "datathons",
  "projects",
  "search",
  "reader",
] as const;
export const ARCHIVE_SET: SetSpec = {
  dir: "templates/archive",
  pages: ARCHIVE_PAGES.map((page) => `pages/${page}.hbs`),
  markers: false,
};

export interface TemplateSet {
  env: typeof Handlebars;
  /** Entry templates by name: `layout` for the email; `index`, `issue`… for the archive. */
  pages: Map<string, Handlebars.TemplateDelegate>;
  labels: Labels;
  /** Template sources by project-relative file, for locating MJML errors. */
  sources: Map<string, string>;
  /**
   * How to name a file of `sources` in a message: itself when the project has it, else the
   * built-in file it comes from.
   */
  shown: (file: string) => string;
}

export interface Templates {
  email: TemplateSet;
  archive: TemplateSet;
}

/** Marks where a partial's output starts and ends in the MJML, to map errors back. */
export const MARK_BEGIN = "<!-- lettre:begin ";
export const MARK_END = "<!-- lettre:end -->";

interface Source {
  file: string;
  name: string;
  text: string;
  origin: Origin;
}

/**
 * Reads a file of the theme (the project's, else the built-in one): it must really be in its
 * templates/ (a symbolic link out of it is refused, not followed), be a regular file and of
 * a sane size. `undefined` when neither has it; other problems are diagnostics.
 */
async function readTemplate(
  theme: Theme,
  file: string,
  diagnostics: Diagnostic[],
): Promise<{ text: string; origin: Origin } | undefined> {
  const read = await readThemeFile(theme, file, MAX_TEXT_BYTES);
  if ("bytes" in read) return { text: read.bytes.toString("utf8"), origin: read.origin };
  if (read.reason !== "missing") {
    diagnostics.push({
      file: shownFile(theme, file, read.origin),
      rule: read.reason === "outside" ? "file-outside" : "file-read",
      severity: "error",
      message: readFailureMessage(read, file),
    });
  }
  return undefined;
}

async function readSources(
  theme: Theme,
  dir: string,
  prefix: string,
  diagnostics: Diagnostic[],
): Promise<Source[] | undefined> {
  const listed = await listThemeDir(theme, dir);
  if (listed.failure) {
    diagnostics.push({
      file: dir,
      rule: listed.failure.reason === "outside" ? "file-outside" : "file-read",
      severity: "error",
      message: readFailureMessage(listed.failure, `${dir}/`),
    });
    return undefined;
  }
  const sources: Source[] = [];
  for (const [name, origin] of [...listed.entries].sort(([a], [b]) => a.localeCompare(b))) {
    if (!name.endsWith(".hbs")) continue;
    const file = `${dir}/${name}`;
    // Read where it was listed: a project's file that cannot be read (a broken link) is
    // reported, never replaced by the built-in one. It stays known: no error at each use.
    const read = await readSide(theme, file, origin, MAX_TEXT_BYTES);
    if (!("bytes" in read)) {
      diagnostics.push({
        file: shownFile(theme, file, origin),
        rule: read.reason === "outside" ? "file-outside" : "file-read",
        severity: "error",
        message: readFailureMessage(read, file),
      });
    }
    const text = "bytes" in read ? read.bytes.toString("utf8") : "";
    sources.push({ file, name: prefix + name.replace(/\.hbs$/, ""), text, origin });
  }
  return sources;
}

/**
 * Loads and checks the email and archive templates, which share labels and helpers: the
 * project's templates/ over the built-in theme, file by file.
 */
export async function loadTemplates(
  root: string,
  builtinRoot?: string,
): Promise<{ templates?: Templates; diagnostics: Diagnostic[] }> {
  const theme = themeOf(root, builtinRoot);
  const diagnostics: Diagnostic[] = [];
  const labelErrors: Diagnostic[] = [];
  const labels = await loadLabels(theme, labelErrors);
  diagnostics.push(...labelErrors);
  // Unreadable labels are reported once, not again at every template that uses them.
  const knownLabels = labelErrors.length > 0 ? undefined : labels;
  const email = await loadSet(theme, EMAIL_SET, labels, knownLabels, diagnostics);
  const archive = await loadSet(theme, ARCHIVE_SET, labels, knownLabels, diagnostics);
  if (!email || !archive || diagnostics.length > 0) return { diagnostics };
  return { templates: { email, archive }, diagnostics };
}

async function loadSet(
  theme: Theme,
  spec: SetSpec,
  labels: Labels,
  knownLabels: Labels | undefined,
  diagnostics: Diagnostic[],
): Promise<TemplateSet | undefined> {
  const before = diagnostics.length;
  const missing = (file: string, message = t("template-missing")) =>
    diagnostics.push({ file, rule: "template-missing", severity: "error", message });

  const pages: Source[] = [];
  for (const page of spec.pages) {
    const file = `${spec.dir}/${page}`;
    const found = diagnostics.length;
    const read = await readTemplate(theme, file, diagnostics);
    if (read === undefined && diagnostics.length === found) missing(file);
    else if (read !== undefined) {
      pages.push({ file, name: path.basename(page).replace(/(\.mjml)?\.hbs$/, ""), ...read });
    }
  }
  const partials = await readSources(theme, `${spec.dir}/partials`, "", diagnostics);
  const sections = await readSources(theme, `${spec.dir}/sections`, "sections/", diagnostics);
  // A folder that cannot be read is one problem, not one more at each use of its partials.
  if (!partials || !sections) return undefined;
  for (const type of SECTION_TYPES) {
    if (!sections.some((s) => s.name === `sections/${type}`)) {
      const file = `${spec.dir}/sections/${type}.hbs`;
      missing(file, t("template-section-missing", { value: type, file }));
    }
  }

  const env = Handlebars.create();
  const helpers = createHelpers(labels);
  env.registerHelper(helpers);
  const sources = new Map<string, string>();
  const origins = new Map<string, Origin>();
  for (const partial of [...partials, ...sections]) {
    sources.set(partial.file, partial.text);
    origins.set(partial.file, partial.origin);
    const section = partial.name.startsWith("sections/") ? " #{{@index}}" : "";
    // Same line as line 1 of the partial, so Handlebars line numbers stay right.
    env.registerPartial(
      partial.name,
      spec.markers
        ? `${MARK_BEGIN}${partial.file}${section} -->${partial.text}${MARK_END}`
        : partial.text,
    );
  }
  for (const page of pages) {
    sources.set(page.file, page.text);
    origins.set(page.file, page.origin);
  }
  const shown = (file: string) => shownFile(theme, file, origins.get(file) ?? "project");
  const known = {
    helpers: [...Object.keys(helpers), ...BUILTIN_HELPERS],
    partials: [...partials, ...sections].map((p) => p.name),
    labels: knownLabels,
  };
  for (const source of [...partials, ...sections, ...pages]) {
    for (const d of checkTemplate(source, known)) diagnostics.push({ ...d, file: shown(d.file) });
  }
  if (diagnostics.length > before || pages.length < spec.pages.length) return undefined;
  const compiled = new Map(pages.map((page) => [page.name, env.compile(page.text)] as const));
  return { env, pages: compiled, labels, sources, shown };
}

/**
 * The words of the templates: the built-in labels.yaml, each of whose words the project's
 * labels.yaml may replace, language by language and key by key.
 */
async function loadLabels(theme: Theme, diagnostics: Diagnostic[]): Promise<Labels> {
  const base = await readLabels(theme, theme.builtin ? "builtin" : "project", diagnostics);
  if (!theme.builtin || !base) return base ?? {};
  const own = (await readLabels(theme, "project", diagnostics)) ?? {};
  return Object.fromEntries(
    SUPPORTED_LOCALES.map((lang) => [lang, { ...base[lang], ...own[lang] }]),
  );
}

/** One labels.yaml, checked; undefined when it is missing. */
async function readLabels(
  theme: Theme,
  origin: Origin,
  diagnostics: Diagnostic[],
): Promise<Labels | undefined> {
  const file = shownFile(theme, LABELS_FILE, origin);
  const read = await readSide(theme, LABELS_FILE, origin, MAX_TEXT_BYTES);
  // The built-in theme's own words must be there; a project's are optional.
  const required = origin === "builtin" || !theme.builtin;
  if (!("bytes" in read)) {
    if (read.reason === "missing" && !required) return undefined;
    diagnostics.push({
      file,
      rule: read.reason === "missing" ? "template-missing" : "file-read",
      severity: "error",
      message: read.reason === "missing" ? t("template-missing") : readFailureMessage(read, file),
    });
    return {};
  }
  const yaml = readYaml(read.bytes.toString("utf8"), file);
  diagnostics.push(...yaml.diagnostics);
  if (yaml.diagnostics.length > 0) return {};
  const result = validate(
    required ? labelsSchema : overridingLabelsSchema,
    yaml.data,
    file,
    yaml.lineOf,
  );
  diagnostics.push(...result.diagnostics);
  return (result.value as Labels | undefined) ?? {};
}

/** Every language has its words; every word is a non-empty text. */
const labelsSchema = z.strictObject(
  Object.fromEntries(SUPPORTED_LOCALES.map((lang) => [lang, z.record(z.string(), text())])),
);
/** A project's labels.yaml: only the words it changes, in the languages it changes. */
const overridingLabelsSchema = z.strictObject(
  Object.fromEntries(
    SUPPORTED_LOCALES.map((lang) => [lang, z.record(z.string(), text()).optional()]),
  ),
);

type Known = { helpers: string[]; partials: string[]; labels: Labels | undefined };

/** Parses a template and walks its AST for calls that would fail at render time. */
function checkTemplate(source: Source, known: Known): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const report = (line: number | undefined, rule: string, message: string) =>
    diagnostics.push({ file: source.file, line, rule, severity: "error", message });
  let ast: hbs.AST.Program;
  try {
    ast = Handlebars.parse(source.text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // "Parse error on line 5: …" or "if doesn't match iff - 11:7"
    const at = /on line (\d+)|- (\d+):\d+$/m.exec(message);
    const line = Number(at?.[1] ?? at?.[2]) || undefined;
    const detail = message
      .split("\n")
      .filter((l) => l.trim() && !/^[-^ ]*$/.test(l))
      .at(-1)
      ?.replace(/ - \d+:\d+$/, "");
    // The parser lists the tokens it expected: say what that means to a person instead.
    const plain = /Expecting|got 'INVALID'/.test(message) ? t("template-unclosed") : detail;
    report(line, "template-syntax", t("template-syntax", { detail: plain ?? message }));
    return diagnostics;
  }

  const checkHelper = (node: { path: hbs.AST.Expression; loc: hbs.AST.SourceLocation }) => {
    const name = (node.path as hbs.AST.PathExpression).original;
    if (typeof name !== "string" || name.startsWith("@") || known.helpers.includes(name)) return;
    report(
      node.loc.start.line,
      "template-helper",
      t("template-helper", {
        value: name,
        suggestion: suggestion(name, known.helpers),
        known: known.helpers.join(", "),
      }),
    );
  };
  const checkLabel = (node: hbs.AST.MustacheStatement | hbs.AST.SubExpression) => {
    const first = node.params[0];
    if ((node.path as hbs.AST.PathExpression).original !== "t" || first?.type !== "StringLiteral") {
      return;
    }
    const key = (first as hbs.AST.StringLiteral).value;
    for (const lang of SUPPORTED_LOCALES) {
      if (!known.labels) return;
      const labels = known.labels[lang] ?? {};
      if (key in labels) continue;
      report(
        node.loc.start.line,
        "template-label",
        `${t("template-label", { value: key, suggestion: suggestion(key, Object.keys(labels)) })} (${lang})`,
      );
      break;
    }
  };

  const visit = (node: unknown): void => {
    if (!node || typeof node !== "object") return;
    const n = node as hbs.AST.Node & Record<string, unknown>;
    switch (n.type) {
      case "MustacheStatement":
      case "BlockStatement":
      case "SubExpression": {
        const call = n as unknown as hbs.AST.MustacheStatement;
        const isCall = n.type === "SubExpression" || call.params.length > 0 || !!call.hash;
        if (isCall && call.path.type === "PathExpression") checkHelper(call);
        if (n.type !== "BlockStatement") checkLabel(call);
        break;
      }
      case "PartialStatement":
      case "PartialBlockStatement": {
        const name = (n as unknown as hbs.AST.PartialStatement).name;
        if (name.type === "PathExpression") {
          const partial = (name as hbs.AST.PathExpression).original;
          if (!known.partials.includes(partial) && partial !== "@partial-block") {
            report(
              n.loc.start.line,
              "template-partial",
              t("template-partial", {
                value: partial,
                suggestion: suggestion(partial, known.partials),
                known: known.partials.join(", "),
              }),
            );
          }
        }
        break;
      }
    }
    for (const value of Object.values(n)) {
      if (Array.isArray(value)) value.forEach(visit);
      else if (value && typeof value === "object" && "type" in value) visit(value);
    }
  };
  visit(ast);
  return diagnostics;
}
