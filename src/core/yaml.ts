/**
 * YAML as data only, with positions: every value keeps the line it came from, so that
 * a schema error on `sections[2].end` can point at the line where `end:` is written.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
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
  for (const error of [...doc.errors, ...doc.warnings]) {
    let line = lineAt(error.pos[0]);
    const quote = /closing (["'])/.exec(error.message)?.[1];
    if (quote) line = openingQuoteLine(lines, line - firstLine, quote) + firstLine;
    let key: MessageKey = "yaml-syntax";
    if (error.code === "DUPLICATE_KEY") key = "yaml-duplicate";
    else if (/end with an? [\]}]/.test(error.message)) key = "yaml-unclosed";
    else if (error.code === "BAD_INDENT" || error.code === "TAB_AS_INDENT") key = "yaml-indent";
    else if (error.code === "TAG_RESOLVE_FAILED") key = "yaml-tag";
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
      diagnostics.push({
        file,
        line: firstLine,
        rule: "yaml-aliases",
        severity: "error",
        message: t("yaml-aliases", { max: MAX_ALIASES }),
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

function firstLineOf(text: string): string {
  return (text.split("\n")[0] ?? text).replace(/ at line \d+, column \d+:?$/, "");
}
