/**
 * Splits an issue file into its YAML front matter and its Markdown body. Front matter is
 * data only: `---js` (or any engine other than YAML) is refused, never evaluated.
 */
import type { Diagnostic } from "../core/diagnostic.ts";
import { t } from "../core/i18n.ts";

export interface Split {
  yaml: string;
  /** Line of the file where the YAML text starts. */
  yamlLine: number;
  body: string;
  /** Line of the file where the body starts. */
  bodyLine: number;
}

const OPEN = /^---[ \t]*([^\s-]\S*)?[ \t]*$/;
const CLOSE = /^(---|\.\.\.)[ \t]*$/;

export function splitFrontMatter(
  source: string,
  file: string,
): { split?: Split; diagnostics: Diagnostic[] } {
  const lines = source.replace(/^\uFEFF/, "").split(/\r?\n/);
  const error = (line: number, rule: string, message: string) => ({
    diagnostics: [{ file, line, rule, message, severity: "error" as const }],
  });
  const open = OPEN.exec(lines[0] ?? "");
  if (!open) return error(1, "frontmatter-missing", t("frontmatter-missing"));
  const engine = open[1];
  if (engine && engine.toLowerCase() !== "yaml") {
    return error(1, "frontmatter-engine", t("frontmatter-engine", { value: engine }));
  }
  const close = lines.findIndex((line, i) => i > 0 && CLOSE.test(line));
  if (close < 0) return error(1, "frontmatter-unclosed", t("frontmatter-unclosed"));
  return {
    split: {
      yaml: lines.slice(1, close).join("\n"),
      yamlLine: 2,
      body: lines.slice(close + 1).join("\n"),
      bodyLine: close + 2,
    },
    diagnostics: [],
  };
}
