/**
 * Diagnostics: positioned messages an editor can act on, in the spirit of vfile-message.
 * Every stage collects them; the CLI decides what to do (errors fail, warnings print).
 */
export type Severity = "error" | "warning";

export interface Diagnostic {
  /** Path relative to the project root, e.g. `newsletters/2025-s2.md`. */
  file: string;
  /** 1-based line in `file`, when known. */
  line?: number | undefined;
  column?: number | undefined;
  /** Field path such as `sections[2].end`, when the problem is a field. */
  field?: string | undefined;
  /** Stable rule id, e.g. `required`, `date-order`, `mjml`. Programs may react to it. */
  rule: string;
  message: string;
  severity: Severity;
  /** The original error, kept for `--debug`. */
  cause?: unknown;
}

/** `newsletters/<file>.md:<line>: <field path>: <message>` */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line === undefined ? d.file : `${d.file}:${d.line}`;
  return d.field ? `${where}: ${d.field}: ${d.message}` : `${where}: ${d.message}`;
}

/** Formats a field path the way editors read it: `sections[2].winner.name`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/** Thrown when a stage cannot go on; carries every diagnostic collected so far. */
export class LettreError extends Error {
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic[], options?: { cause?: unknown }) {
    super(diagnostics.map(formatDiagnostic).join("\n"), options);
    this.name = "LettreError";
    this.diagnostics = diagnostics;
  }
}

/** Orders diagnostics by file then line, so a run's report reads top to bottom. */
export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return [...list].sort((a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0));
}
