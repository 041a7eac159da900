/**
 * YAML as data only, with positions: every value keeps the line it came from, so that
 * a schema error on `sections[2].end` can point at the line where `end:` is written.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument, visit } from "yaml";
import type { Diagnostic } from "./diagnostic.ts";
import { type MessageKey, t } from "./i18n.ts";

/** Upper bound on `*alias` expansions, against "billion laughs" documents. */
export const MAX_ALIASES = 50;

export interface YamlData {
  data: unknown;
  /** Line (1-based, in the whole file) of the deepest node that exists along `path`. */
  lineOf(path: readonly PropertyKey[]): number;
  diagnostics: Diagnostic[];
}

/**
 * Parses `source` (a YAML document that starts at line `firstLine` of `file`).
 * Never throws: problems come back as diagnostics.
 */
export function readYaml(source: string, file: string, firstLine = 1): YamlData {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, {
    lineCounter,
    schema: "core",
    uniqueKeys: true,
    prettyErrors: false,
    merge: false,
  });
  const lineAt = (offset: number) => lineCounter.linePos(offset).line + firstLine - 1;
  const diagnostics: Diagnostic[] = [];

  const lines = source.split("\n");
  const seen = new Set<number>();
  for (const error of [...doc.errors, ...doc.warnings]) {
    const noticed = lineAt(error.pos[0]) - firstLine;
    const key = messageKey(error.code, error.message, lines[noticed] ?? "");
    // An unclosed quote or bracket is noticed where the text ends: point at where it opened.
    const quote = /closing (["'])/.exec(error.message)?.[1] ?? '"';
    let index = noticed;
    if (key === "yaml-unclosed-quote") index = openingQuoteLine(lines, noticed, quote);
    if (key === "yaml-unclosed") index = openingBracketLine(lines, noticed);
    const line = index + firstLine;
    // One message per line: the parser often reports a single mistake several times.
    if (seen.has(line)) continue;
    seen.add(line);
    const tag = /tag:?\s*(\S+)/i.exec(error.message)?.[1] ?? "";
    diagnostics.push({
      file,
      line,
      rule: key,
      severity: "error",
      message: t(key, { detail: firstLineOf(error.message), value: tag }),
      cause: error,
    });
  }
  // `&mot` at the start of a value makes an anchor: the word silently disappears.
  visit(doc, {
    Scalar(_, node) {
      if (node.anchor && node.range) {
        diagnostics.push({
          file,
          line: lineAt(node.range[0]),
          rule: "yaml-anchor",
          severity: "error",
          message: t("yaml-anchor", { value: node.anchor }),
        });
      }
    },
  });

  const lineOf = (path: readonly PropertyKey[]): number => {
    let node: unknown = doc.contents;
    let line = node && (node as Node).range ? lineAt((node as Node).range?.[0] ?? 0) : firstLine;
    for (const key of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
        if (!pair) break;
        if (isScalar(pair.key) && pair.key.range) line = lineAt(pair.key.range[0]);
        node = pair.value;
      } else if (isSeq(node) && typeof key === "number") {
        const item = node.items[key];
        if (!item) break;
        node = isPair(item) ? item.value : item;
        const range = (node as Node | null)?.range;
        if (range) line = lineAt(range[0]);
      } else break;
    }
    return line;
  };

  let data: unknown = null;
  if (diagnostics.length === 0) {
    try {
      data = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (error) {
      // `*important*` at the start of a value is read as a reference to an anchor.
      const alias = /Unresolved alias[^:]*: (\S+)/.exec(String(error))?.[1];
      const at = alias ? lines.findIndex((l) => l.includes(`*${alias}`)) : -1;
      diagnostics.push({
        file,
        line: at >= 0 ? at + firstLine : firstLine,
        rule: alias ? "yaml-alias-unknown" : "yaml-aliases",
        severity: "error",
        message: alias
          ? t("yaml-alias-unknown", { value: `*${alias}` })
          : t("yaml-aliases", { max: MAX_ALIASES }),
        cause: error,
      });
    }
  }
  return { data, lineOf, diagnostics };
}

/**
 * A missing closing quote is noticed where the text ends: return the (0-based) index of the
 * line that opened it, searching back from index `from`.
 */
function openingQuoteLine(lines: string[], from: number, quote: string): number {
  for (let i = Math.min(from, lines.length - 1); i >= 0; i--) {
    if (((lines[i] ?? "").split(quote).length - 1) % 2 === 1) return i;
  }
  return from;
}

/** The (0-based) index of the line that opened a `[` or `{` never closed, searching back. */
function openingBracketLine(lines: string[], from: number): number {
  for (let i = Math.min(from, lines.length - 1); i >= 0; i--) {
    const line = lines[i] ?? "";
    const open = (line.match(/[[{]/g) ?? []).length;
    if (open > (line.match(/[\]}]/g) ?? []).length) return i;
  }
  return from;
}

function messageKey(code: string, message: string, line: string): MessageKey {
  if (code === "DUPLICATE_KEY") return "yaml-duplicate";
  // The parser ran out of stack on brackets nested by the thousand.
  if (/call stack/i.test(message)) return "yaml-too-deep";
  if (/Missing closing/.test(message)) return "yaml-unclosed-quote";
  if (/end with an? [\]}]/.test(message)) return "yaml-unclosed";
  if (code === "TAB_AS_INDENT") return "yaml-indent";
  if (code === "TAG_RESOLVE_FAILED") return "yaml-tag";
  if (code === "UNEXPECTED_TOKEN" && /['"]/.test(line)) return "yaml-quote";
  if (code === "BLOCK_AS_IMPLICIT_KEY" || code === "MULTILINE_IMPLICIT_KEY") {
    return /:\s.*:\s/.test(line) ? "yaml-colon" : "yaml-indent";
  }
  if (code === "BAD_INDENT") return "yaml-indent";
  return "yaml-syntax";
}

function firstLineOf(text: string): string {
  return (text.split("\n")[0] ?? text).replace(/ at line \d+, column \d+:?$/, "");
}

/**
 * The file line of line `offset` (0-based) of a text field at `at`: inside a `|` block, its
 * exact line (the text starts on the line after the field's); in the other YAML styles,
 * which fold lines, the field's own line.
 */
export function lineInField(
  lines: readonly string[],
  lineOf: (path: readonly PropertyKey[]) => number,
  at: readonly PropertyKey[],
  offset: number,
): number {
  const line = lineOf(at);
  return /:[ \t]*\|[0-9+-]*[ \t]*(#.*)?$/.test(lines[line - 1] ?? "") ? line + 1 + offset : line;
}
