/**
 * Runs a zod schema over YAML data and turns every issue into a positioned diagnostic
 * whose message says what to write instead.
 */
import type { z } from "zod";
import { type Diagnostic, formatPath } from "./diagnostic.ts";
import { getLocale, suggestion, t } from "./i18n.ts";

export type LineOf = (path: readonly PropertyKey[]) => number;

export function validate<S extends z.ZodType>(
  schema: S,
  data: unknown,
  file: string,
  lineOf: LineOf,
  prefix: readonly PropertyKey[] = [],
): { value?: z.output<S>; diagnostics: Diagnostic[] } {
  const result = schema.safeParse(data, { reportInput: true });
  if (result.success) return { value: result.data, diagnostics: [] };
  const diagnostics = result.error.issues.flatMap((issue): Diagnostic[] => {
    const at = [...prefix, ...issue.path];
    const diagnostic = (path: PropertyKey[], message: string): Diagnostic => ({
      file,
      line: lineOf(path),
      field: formatPath(path),
      rule: ruleOf(issue),
      message,
      severity: "error",
    });
    if (issue.code === "unrecognized_keys") {
      // One error per unknown key, at its own line, with a suggestion from the known ones.
      const known = knownKeys(schema, issue.path);
      return issue.keys.map((key) =>
        diagnostic(
          [...at, key],
          t("unknown-field", { key, suggestion: suggestion(key, known), known: known.join(", ") }),
        ),
      );
    }
    return [diagnostic(at, describe(issue))];
  });
  return { diagnostics };
}

function ruleOf(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type" && issue.input === undefined) return "required";
  if (issue.code === "custom") return String(issue.params?.rule ?? "invalid");
  return issue.code.replace(/_/g, "-");
}

const TYPE_NAMES: Record<string, { fr: string; en: string }> = {
  string: { fr: "un texte", en: "a text" },
  number: { fr: "un nombre", en: "a number" },
  int: { fr: "un nombre entier", en: "a whole number" },
  boolean: { fr: "true ou false", en: "true or false" },
  array: { fr: "une liste (- élément)", en: "a list (- item)" },
  object: { fr: "un groupe de champs (nom: valeur)", en: "a group of fields (name: value)" },
  record: { fr: "un groupe de champs (nom: valeur)", en: "a group of fields (name: value)" },
  null: { fr: "vide", en: "empty" },
};

function typeName(type: string): string {
  return TYPE_NAMES[type]?.[getLocale()] ?? type;
}

function receivedType(input: unknown): string {
  if (input === null) return "null";
  if (Array.isArray(input)) return "array";
  if (typeof input === "number" && Number.isInteger(input)) return "int";
  return typeof input;
}

function describe(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type": {
      if (issue.input === undefined) {
        const field = String(issue.path[issue.path.length - 1] ?? "");
        if (field === "alt") return t("alt-required");
        return typeof issue.path[issue.path.length - 1] === "number"
          ? t("required-item")
          : t("required", { field });
      }
      return t("type", {
        expected: typeName(issue.expected),
        received: `${typeName(receivedType(issue.input))} ${preview(issue.input)}`.trim(),
      });
    }
    case "too_small":
      if (issue.origin === "array") return t("too-small-array", { min: Number(issue.minimum) });
      if (issue.origin === "string") return t("empty-string");
      return t("integer", { min: Number(issue.minimum) });
    case "too_big":
      return issue.origin === "array" || issue.origin === "string"
        ? t("invalid")
        : t("too-big", { max: Number(issue.maximum) });
    case "invalid_value":
      return t("lang", {
        value: String(issue.input),
        known: issue.values.map(String).join(", "),
      });
    default:
      return issue.message || t("invalid");
  }
}

function preview(input: unknown): string {
  if (typeof input === "string" || typeof input === "number" || typeof input === "boolean") {
    const text = String(input);
    return `« ${text.length > 40 ? `${text.slice(0, 40)}…` : text} »`;
  }
  return "";
}

/** The keys an object schema accepts at `path` (used to list them in "unknown field"). */
function knownKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: unknown = schema;
  for (const key of path) {
    current = unwrap(current);
    const def = (current as { def?: { type?: string; shape?: object; element?: unknown } }).def;
    if (def?.type === "object" && def.shape) {
      current = (def.shape as Record<string, unknown>)[String(key)];
    } else if (def?.type === "array") {
      current = def.element;
    } else return [];
  }
  const def = (unwrap(current) as { def?: { type?: string; shape?: object } }).def;
  return def?.type === "object" && def.shape ? Object.keys(def.shape) : [];
}

function unwrap(schema: unknown): unknown {
  let current = schema as { def?: { type?: string; innerType?: unknown; in?: unknown } };
  for (let i = 0; i < 10 && current?.def; i++) {
    const def = current.def;
    if (def.innerType) current = def.innerType as typeof current;
    else if (def.type === "pipe" && def.in) current = def.in as typeof current;
    else break;
  }
  return current;
}
