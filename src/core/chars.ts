/**
 * Characters no output may carry: the control characters XML 1.0 forbids (all of C0 but tab,
 * line feed and carriage return), DEL and C1 (parse errors in HTML, CONTROL in iCalendar),
 * lone surrogates and noncharacters (U+FFFE, U+FFFF…). Word puts U+000B in pasted text (its
 * "manual line break", Shift+Enter) and U+000C (page break): those become a space, the
 * others go. One feed.xml with one of them is refused by every feed reader.
 */
import type { Issue } from "../content/index.ts";
import { type Diagnostic, formatPath } from "./diagnostic.ts";
import { t } from "./i18n.ts";

const NONCHARACTERS = Array.from(
  { length: 17 },
  (_, plane) =>
    `\\u{${(plane * 0x10000 + 0xfffe).toString(16)}}\\u{${(plane * 0x10000 + 0xffff).toString(16)}}`,
).join("");
/** With the `u` flag, `[\uD800-\uDFFF]` matches a surrogate only when it is not in a pair. */
const INVALID = new RegExp(
  `[\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\uD800-\\uDFFF\\uFDD0-\\uFDEF${NONCHARACTERS}]`,
  "gu",
);
const BREAKS = /[ \t]*[\v\f]+[ \t]*/g;

export function hasInvalidChars(text: string): boolean {
  INVALID.lastIndex = 0;
  return INVALID.test(text);
}

/** `text` without the characters above (Word's line and page breaks become a space). */
export function stripInvalidChars(text: string): string {
  if (!hasInvalidChars(text)) return text;
  return text.replace(BREAKS, " ").replace(INVALID, "");
}

/** "U+000B" */
function codeOf(char: string): string {
  return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
}

const cleaned = new WeakMap<Issue, { issue: Issue; diagnostics: Diagnostic[] }>();

/**
 * The issue without those characters, and a warning for each field (or the body) that had
 * some, at its line, so the editor can remove them. The same issue object gives the same
 * result object (the caches of `lettre dev` are keyed by issue).
 */
export function cleanIssue(issue: Issue): { issue: Issue; diagnostics: Diagnostic[] } {
  const known = cleaned.get(issue);
  if (known) return known;
  const diagnostics: Diagnostic[] = [];
  const warn = (text: string, line: number, field?: string) => {
    const found = text.match(INVALID) ?? [];
    const first = text.search(INVALID);
    // Multi-line text (the body, a `|` block): point at the line of the first one.
    const offset = text.slice(0, Math.max(first, 0)).split("\n").length - 1;
    diagnostics.push({
      file: issue.file,
      line: line + offset,
      ...(field ? { field } : {}),
      rule: "control-char",
      severity: "warning",
      message: t("control-char", {
        count: found.length,
        chars: [...new Set(found.map(codeOf))].join(", "),
      }),
    });
  };
  const walk = (value: unknown, at: PropertyKey[]): unknown => {
    if (typeof value === "string") {
      if (!hasInvalidChars(value)) return value;
      const blockStart = value.includes("\n") ? 1 : 0;
      warn(value, issue.lineOf(at) + blockStart, formatPath(at));
      return stripInvalidChars(value);
    }
    if (Array.isArray(value)) return value.map((item, i) => walk(item, [...at, i]));
    if (value && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, [...at, k])]));
    }
    return value;
  };
  const data = walk(issue.data, []) as Issue["data"];
  let { body } = issue;
  if (hasInvalidChars(body)) {
    warn(body, issue.bodyLine);
    body = stripInvalidChars(body);
  }
  const result = {
    issue: diagnostics.length === 0 ? issue : { ...issue, data, body },
    diagnostics,
  };
  cleaned.set(issue, result);
  return result;
}
