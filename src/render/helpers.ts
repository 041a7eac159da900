/**
 * Handlebars helpers available to every template (email now, archive later).
 * They read the issue language from the root context (`@root.lang`).
 */
import type { HelperDelegate, HelperOptions } from "handlebars";
import Handlebars from "handlebars";
import { formatDate, formatDateRange, formatNumber } from "./format.ts";
import { markdownToHtml } from "./markdown.ts";
import { typography } from "./typography.ts";

export type Labels = Record<string, Record<string, string>>;

function langOf(options: HelperOptions): string {
  return String(options.data?.root?.lang ?? "fr");
}

/** Handlebars passes its options object last; helpers with optional params need it found. */
function lastOptions(args: unknown[]): HelperOptions {
  return args[args.length - 1] as HelperOptions;
}

/**
 * A label of templates/labels.yaml in `lang` (French when it lacks one), `{name}` filled from
 * `params`, with the language's typography: what `{{t}}` prints, for code that needs the
 * same words (the pages and emails of `lettre serve`).
 */
export function label(
  labels: Labels,
  lang: string,
  key: string,
  params: Record<string, unknown> = {},
): string {
  const text = labels[lang]?.[key] ?? labels.fr?.[key] ?? key;
  return typography(
    text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? "")),
    lang,
  );
}

export function createHelpers(labels: Labels): Record<string, HelperDelegate> {
  return {
    /** `{{t "attendees" count=(number attendees)}}`: a label of templates/labels.yaml. */
    t(key: string, options: HelperOptions) {
      return label(labels, langOf(options), key, options.hash);
    },
    /** `{{date date}}` → "1er décembre 2025". */
    date(iso: unknown, options: HelperOptions) {
      return typeof iso === "string" ? formatDate(iso, langOf(options)) : "";
    },
    /** `{{dateRange start end}}` → "du 5 novembre au 9 décembre 2025". */
    dateRange(start: unknown, ...rest: unknown[]) {
      const options = lastOptions(rest);
      const end = rest.length > 1 && typeof rest[0] === "string" ? rest[0] : undefined;
      return typeof start === "string" ? formatDateRange(start, end, langOf(options)) : "";
    },
    /** `{{number 1631}}` → "1 631"; a text such as "271 M€" stays as written. */
    number(value: unknown, options: HelperOptions) {
      if (typeof value !== "number" && typeof value !== "string") return "";
      return typography(formatNumber(value, langOf(options)), langOf(options));
    },
    /** `{{markdown body}}` → sanitised HTML. */
    markdown(text: unknown, options: HelperOptions) {
      if (typeof text !== "string" || !text.trim()) return "";
      // Emails and feeds need absolute addresses; web pages set `markdownBase` to keep
      // relative ones, which then work wherever the archive is (a preview, a sub-folder).
      const root = options.data?.root ?? {};
      const base = "markdownBase" in root ? root.markdownBase : (root.issue?.url ?? root.site?.url);
      return new Handlebars.SafeString(markdownToHtml(text, langOf(options), base));
    },
    /** `{{#if (eq type "event")}}` */
    eq(a: unknown, b: unknown) {
      return a === b;
    },
    /** `{{#if (or newer older)}}`: true when any argument is. */
    or(...args: unknown[]) {
      return args.slice(0, -1).some(Boolean);
    },
    /** `{{#if (isList countries)}}` */
    isList(value: unknown) {
      return Array.isArray(value);
    },
    /** `{{join partners ", "}}` */
    join(list: unknown, separator: unknown) {
      return Array.isArray(list) ? list.join(typeof separator === "string" ? separator : ", ") : "";
    },
    /** `{{count partners}}`: the number itself, or the length of a list. */
    count(value: unknown) {
      return Array.isArray(value) ? value.length : value;
    },
    /** Name of the partial that renders a section type: `{{> (sectionTemplate type)}}`. */
    sectionTemplate(type: unknown) {
      return `sections/${String(type)}`;
    },
  };
}

export const BUILTIN_HELPERS = ["if", "unless", "each", "with", "lookup", "log"];
