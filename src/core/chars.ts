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

/**
 * The warning for `text`, whose first line is line `line` of `file`: it points at the line
 * of the first such character.
 */
function charWarning(
  file: string,
  text: string,
  line: number,
  field: string | undefined,
): Diagnostic {
  const found = text.match(INVALID) ?? [];
  const first = text.search(INVALID);
  const offset = text.slice(0, Math.max(first, 0)).split("\n").length - 1;
  return {
    file,
    line: line + offset,
    ...(field ? { field } : {}),
    rule: "control-char",
    severity: "warning",
    message: t("control-char", {
      count: found.length,
      chars: [...new Set(found.map(codeOf))].join(", "),
    }),
  };
}

/**
 * `value` (plain data: strings, arrays, objects) with every string cleaned; `found` is told
 * of each string that had such characters, with its path. Unchanged parts stay the same.
 */
function cleanTree(
  value: unknown,
  at: PropertyKey[],
  found: (text: string, at: PropertyKey[]) => void,
  skip: (at: PropertyKey[]) => boolean = () => false,
): unknown {
  if (skip(at)) return value;
  if (typeof value === "string") {
    if (!hasInvalidChars(value)) return value;
    found(value, at);
    return stripInvalidChars(value);
  }
  if (Array.isArray(value)) return value.map((item, i) => cleanTree(item, [...at, i], found, skip));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, cleanTree(v, [...at, k], found, skip)]),
    );
  }
  return value;
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
  const data = cleanTree(issue.data, [], (text, at) => {
    const blockStart = text.includes("\n") ? 1 : 0;
    diagnostics.push(charWarning(issue.file, text, issue.lineOf(at) + blockStart, formatPath(at)));
  }) as Issue["data"];
  let { body } = issue;
  if (hasInvalidChars(body)) {
    diagnostics.push(charWarning(issue.file, body, issue.bodyLine, undefined));
    body = stripInvalidChars(body);
  }
  const result = {
    issue: diagnostics.length === 0 ? issue : { ...issue, data, body },
    diagnostics,
  };
  cleaned.set(issue, result);
  return result;
}

/**
 * The config as read from YAML (before validation), without those characters: `site.name`,
 * `footer`, `address`, `sender.name`… go into every email, page and SMTP message. A warning
 * for each value that had some, at its line. `sending` (transport addresses, checked as
 * they are) is left to its own checks.
 */
export function cleanConfigData(
  data: unknown,
  file: string,
  lineOf: (path: readonly PropertyKey[]) => number,
): { data: unknown; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const clean = cleanTree(
    data,
    [],
    (text, at) => {
      const line = lineOf(at);
      // A `|` or `>` block starts on the line after its key; a quoted text on the key's line.
      const blockStart = text.includes("\n") ? 1 : 0;
      diagnostics.push(charWarning(file, text, line + blockStart, formatPath(at)));
    },
    (at) => at[0] === "sending",
  );
  return { data: clean, diagnostics };
}
