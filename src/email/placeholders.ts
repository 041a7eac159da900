/**
 * Placeholders the send stage will not fill. `lettre send` fills `{{subscriber.x|fallback}}`
 * only inside one text or one attribute value of the compiled email; what the build turned
 * into something else reaches readers as a literal `{{subscriber.…}}`: a fallback holding a
 * tag (`{{subscriber.org|<b>Org</b>}}`), Markdown emphasis over half of one
 * (`**{{subscriber.firstName**}}`), one inside a link's or an image's address (Markdown
 * percent-encodes it: `%7B%7B…`). The build says so, once per placeholder, at its line.
 *
 * Whether a placeholder is filled is decided on the compiled HTML by the send stage's own
 * logic (`unfilledPlaceholders`), so the check and the send agree. Finding its line: each
 * Markdown text holding a placeholder is rendered alone and checked the same way; what is
 * left is put at the first field that names the same subscriber field.
 */

import { type Issue, markdownTexts } from "../content/index.ts";
import type { Diagnostic } from "../core/diagnostic.ts";
import { formatPath } from "../core/diagnostic.ts";
import { t } from "../core/i18n.ts";
import { markdownToHtml } from "../render/markdown.ts";
import { type Unfilled, unfilledPlaceholders } from "../send/message.ts";

/** A placeholder's start in the source, as an editor writes it. */
const SOURCE_START = /\{\{\s*subscriber\.([A-Za-z0-9_]*)/g;

interface Found {
  path: PropertyKey[];
  /** Offset in the text. */
  offset: number;
  field: string;
  snippet: string;
}

/** The placeholder as written: up to its `}}`, on one line, at most 80 characters. */
function snippet(text: string, offset: number): string {
  const rest = text.slice(offset, offset + 200);
  const end = rest.indexOf("}}");
  const shown = (end >= 0 ? rest.slice(0, end + 2) : rest).replace(/\s+/g, " ");
  return shown.length > 80 ? `${shown.slice(0, 79)}…` : shown;
}

/** Every placeholder start of a text, in order. */
function starts(text: string, path: PropertyKey[]): Found[] {
  return [...text.matchAll(SOURCE_START)].map((m) => ({
    path,
    offset: m.index,
    field: m[1] ?? "",
    snippet: snippet(text, m.index),
  }));
}

/** Every string of the front matter (not the Markdown bodies), with its path. */
function frontStrings(
  value: unknown,
  at: PropertyKey[] = [],
): { path: PropertyKey[]; text: string }[] {
  if (typeof value === "string") return at.at(-1) === "body" ? [] : [{ path: at, text: value }];
  if (Array.isArray(value)) return value.flatMap((item, i) => frontStrings(item, [...at, i]));
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => frontStrings(v, [...at, k]));
  }
  return [];
}

export function placeholderWarnings(issue: Issue, html: string, base: string): Diagnostic[] {
  const unfilled = unfilledPlaceholders(html);
  if (unfilled.length === 0) return [];
  const diagnostics: Diagnostic[] = [];
  const warn = (found: Found, text: string, encoded: boolean) => {
    const lineOffset = text.slice(0, found.offset).split("\n").length - 1;
    const isBody = found.path.length === 0;
    diagnostics.push({
      file: issue.file,
      line:
        isBody || found.path.at(-1) === "body"
          ? issue.lineIn(found.path, lineOffset)
          : issue.lineOf(found.path),
      ...(isBody ? {} : { field: formatPath(found.path) }),
      rule: "placeholder-unfilled",
      severity: "warning",
      message: t(encoded ? "placeholder-encoded" : "placeholder-unfilled", {
        value: found.snippet,
      }),
    });
  };
  // What is still to be placed, by subscriber field.
  const left = new Map<string, Unfilled[]>();
  for (const u of unfilled) left.set(u.field, [...(left.get(u.field) ?? []), u]);
  const take = (field: string, encoded: boolean) => {
    const list = left.get(field) ?? [];
    const i = Math.max(
      list.findIndex((u) => u.encoded === encoded),
      0,
    );
    list.splice(i, 1);
  };

  // 1. Markdown texts, each rendered alone: the placeholders it breaks, at their line.
  for (const { path, text } of markdownTexts(issue)) {
    const written = starts(text, path);
    if (written.length === 0) continue;
    let fragment: string;
    try {
      fragment = markdownToHtml(text, issue.lang, base);
    } catch {
      continue; // reported with the issue
    }
    const broken = unfilledPlaceholders(fragment);
    if (broken.length === 0) continue;
    // The n-th placeholder naming a field in the HTML is the n-th one written in the text.
    const all = [...fragment.matchAll(/\{\{\s*subscriber\.|%7[Bb]%7[Bb](?:%20|\+)*subscriber\./g)];
    for (const b of broken) {
      const n = all.findIndex((m) => m.index === b.offset);
      const found = written[n] ?? written.find((w) => w.field === b.field) ?? written[0];
      if (!found) continue;
      warn(found, text, b.encoded);
      take(b.field, b.encoded);
    }
  }

  // 2. The rest (front matter texts the templates put where nothing is filled…).
  const front = frontStrings(issue.data).flatMap(({ path, text }) =>
    starts(text, path).map((found) => ({ found, text })),
  );
  const body = markdownTexts(issue).flatMap(({ path, text }) =>
    starts(text, path).map((found) => ({ found, text })),
  );
  for (const [field, list] of left) {
    for (const u of list) {
      const place = [...front, ...body].find((f) => f.found.field === field);
      if (place) warn(place.found, place.text, u.encoded);
      else {
        diagnostics.push({
          file: issue.file,
          rule: "placeholder-unfilled",
          severity: "warning",
          message: t(u.encoded ? "placeholder-encoded" : "placeholder-unfilled", {
            value: `{{subscriber.${u.field}…}}`,
          }),
        });
      }
    }
  }
  return diagnostics;
}
