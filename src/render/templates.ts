import path from "node:path";
import Handlebars from "handlebars";
import { z } from "zod";
import { SECTION_TYPES } from "../content/index.ts";
import type { Diagnostic } from "../core/diagnostic.ts";
import { text } from "../core/fields.ts";
import { listInside, MAX_TEXT_BYTES, readFailureMessage, readInside } from "../core/files.ts";
import { SUPPORTED_LOCALES, suggestion, t } from "../core/i18n.ts";
import { validate } from "../core/validate.ts";
import { readYaml } from "../core/yaml.ts";
import { BUILTIN_HELPERS, createHelpers, type Labels } from "./helpers.ts";

export const TEMPLATES_DIR = "templates";
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
}

/**
 * Reads a file of templates/: it must really be there (a symbolic link out of templates/ is
 * refused, not followed), be a regular file and of a sane size. `undefined` when it does not
 * exist; other problems are diagnostics.
 */
async function readTemplate(
  root: string,
  file: string,
  diagnostics: Diagnostic[],
  /** Listed in its folder, so "missing" means a broken link: report it too. */
  listed = false,
): Promise<string | undefined> {
  const read = await readInside(file, { root, within: TEMPLATES_DIR, maxBytes: MAX_TEXT_BYTES });
  if ("bytes" in read) return read.bytes.toString("utf8");
  if (read.reason !== "missing" || listed) {
    diagnostics.push({
      file,
      rule: read.reason === "outside" ? "file-outside" : "file-read",
      severity: "error",
      message: readFailureMessage(read, file),
    });
  }
  return undefined;
}

async function readSources(
  root: string,
  dir: string,
  prefix: string,
  diagnostics: Diagnostic[],
): Promise<Source[] | undefined> {
  const listed = await listInside(dir, { root, within: TEMPLATES_DIR });
  if (!("entries" in listed)) {
    diagnostics.push({
      file: dir,
      rule: listed.reason === "outside" ? "file-outside" : "file-read",
      severity: "error",
      message: readFailureMessage(listed, `${dir}/`),
    });
    return undefined;
  }
  const names = listed.entries.map((entry) => entry.name);
  const sources: Source[] = [];
  for (const name of names.filter((n) => n.endsWith(".hbs")).sort()) {
    const file = `${dir}/${name}`;
    // One that cannot be read is reported, and stays known: no error at each use of it.
    const text = (await readTemplate(root, file, diagnostics, true)) ?? "";
    sources.push({ file, name: prefix + name.replace(/\.hbs$/, ""), text });
  }
  return sources;
}

/** Loads and checks the email and archive templates, which share labels and helpers. */
export async function loadTemplates(
  root: string,
): Promise<{ templates?: Templates; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = [];
  const labelErrors: Diagnostic[] = [];
  const labels = await loadLabels(root, labelErrors);
  diagnostics.push(...labelErrors);
  // Unreadable labels are reported once, not again at every template that uses them.
  const knownLabels = labelErrors.length > 0 ? undefined : labels;
  const email = await loadSet(root, EMAIL_SET, labels, knownLabels, diagnostics);
  const archive = await loadSet(root, ARCHIVE_SET, labels, knownLabels, diagnostics);
  if (!email || !archive || diagnostics.length > 0) return { diagnostics };
  return { templates: { email, archive }, diagnostics };
}

async function loadSet(
  root: string,
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
    const text = await readTemplate(root, file, diagnostics);
    if (text === undefined && diagnostics.length === found) missing(file);
    else if (text !== undefined) {
      pages.push({ file, name: path.basename(page).replace(/(\.mjml)?\.hbs$/, ""), text });
    }
  }
  const partials = await readSources(root, `${spec.dir}/partials`, "", diagnostics);
  const sections = await readSources(root, `${spec.dir}/sections`, "sections/", diagnostics);
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
  for (const partial of [...partials, ...sections]) {
    sources.set(partial.file, partial.text);
    const section = partial.name.startsWith("sections/") ? " #{{@index}}" : "";
    // Same line as line 1 of the partial, so Handlebars line numbers stay right.
    env.registerPartial(
      partial.name,
      spec.markers
        ? `${MARK_BEGIN}${partial.file}${section} -->${partial.text}${MARK_END}`
        : partial.text,
    );
  }
  for (const page of pages) sources.set(page.file, page.text);
  const known = {
    helpers: [...Object.keys(helpers), ...BUILTIN_HELPERS],
    partials: [...partials, ...sections].map((p) => p.name),
    labels: knownLabels,
  };
  for (const source of [...partials, ...sections, ...pages]) {
    diagnostics.push(...checkTemplate(source, known));
  }
  if (diagnostics.length > before || pages.length < spec.pages.length) return undefined;
  const compiled = new Map(pages.map((page) => [page.name, env.compile(page.text)] as const));
  return { env, pages: compiled, labels, sources };
}

async function loadLabels(root: string, diagnostics: Diagnostic[]): Promise<Labels> {
  const found = diagnostics.length;
  const source = await readTemplate(root, LABELS_FILE, diagnostics);
  if (source === undefined && diagnostics.length > found) return {};
  if (source === undefined) {
    diagnostics.push({
      file: LABELS_FILE,
      rule: "template-missing",
      severity: "error",
      message: t("template-missing"),
    });
    return {};
  }
  const yaml = readYaml(source, LABELS_FILE);
  diagnostics.push(...yaml.diagnostics);
  if (yaml.diagnostics.length > 0) return {};
  const result = validate(labelsSchema, yaml.data, LABELS_FILE, yaml.lineOf);
  diagnostics.push(...result.diagnostics);
  return result.value ?? {};
}

/** Every language has its words; every word is a non-empty text. */
const labelsSchema = z.strictObject(
  Object.fromEntries(SUPPORTED_LOCALES.map((lang) => [lang, z.record(z.string(), text())])),
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
