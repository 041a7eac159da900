/**
 * What `lettre dev` keeps between rebuilds, so that saving one issue re-renders that issue
 * and the lists, not every issue: parsed issues by file text, emails and archive pages by
 * issue, the last output by path. A change of config or templates drops every rendering.
 */
import { ArchiveMemo } from "../archive/memo.ts";
import { CONFIG_FILE, type loadConfig } from "../config/index.ts";
import type { Issue, ParseCache } from "../content/index.ts";
import type { Diagnostic } from "../core/diagnostic.ts";
import type { Email } from "../email/index.ts";
import type { loadTemplates } from "../render/index.ts";

export class BuildCache {
  config?: Awaited<ReturnType<typeof loadConfig>> | undefined;
  templates?: Awaited<ReturnType<typeof loadTemplates>> | undefined;
  readonly parsed: ParseCache = new Map();
  emails = new WeakMap<Issue, { email?: Email | undefined; diagnostics: Diagnostic[] }>();
  archive = new ArchiveMemo();
  /** Every output file as last written, by path under the output folder. */
  written?: Map<string, string | Uint8Array> | undefined;

  /** Forgets what depends on `files` (paths relative to the project root). */
  invalidate(files: Iterable<string>): void {
    for (const file of files) {
      if (file === CONFIG_FILE) {
        this.config = undefined;
        this.dropRenderings();
      } else if (file.startsWith("templates/")) {
        this.templates = undefined;
        this.dropRenderings();
      } else if (file.startsWith("newsletters/") && !file.endsWith(".md")) {
        this.archive.assets = new WeakMap();
      }
    }
  }

  private dropRenderings(): void {
    this.emails = new WeakMap();
    this.archive = new ArchiveMemo();
  }
}
