/**
 * What the archive made from each issue, kept between rebuilds of `lettre dev`: an issue
 * that did not change (the same `Issue` object) is not rendered again. Valid for one set of
 * templates and one config: the watcher starts a new memo when either changes.
 */
import type { Issue } from "../content/index.ts";
import type { Diagnostic } from "../core/diagnostic.ts";

export class ArchiveMemo {
  readonly pages = new WeakMap<
    Issue,
    { older: Issue | undefined; newer: Issue | undefined; html: string }
  >();
  readonly contents = new WeakMap<Issue, string>();
  readonly calendars = new WeakMap<Issue, Map<string, string>>();
  /** The email's web copy, by slug, with the email it was made from. */
  readonly webEmails = new Map<string, { email: string; web: string }>();
  /** The feeds, with the issues they were made from. */
  feeds?: { issues: readonly Issue[]; atom: string; json: string };
  /** Renewed when any image or file under newsletters/ changes. */
  assets = new WeakMap<Issue, { files: Map<string, Uint8Array>; diagnostics: Diagnostic[] }>();

  /** The issue's page, rendered again only when it or its neighbours changed. */
  page(
    issue: Issue,
    older: Issue | undefined,
    newer: Issue | undefined,
    make: () => string | undefined,
  ) {
    const known = this.pages.get(issue);
    if (known && known.older === older && known.newer === newer) return known.html;
    const html = make();
    if (html !== undefined) this.pages.set(issue, { older, newer, html });
    return html;
  }

  /** Memoises `make(issue)` in `map`. */
  static once<V>(map: WeakMap<Issue, V> | undefined, issue: Issue, make: () => V): V {
    const known = map?.get(issue);
    if (known !== undefined) return known;
    const value = make();
    map?.set(issue, value);
    return value;
  }
}
