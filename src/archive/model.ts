/**
 * What archive pages show, as plain data: pages and their addresses, issues newest first,
 * and the views across issues (events, datathons, EU projects, tags).
 */
import { type DefaultTreeAdapterTypes, parseFragment } from "parse5";
import type { Config } from "../config/index.ts";
import type { Issue } from "../content/index.ts";
import { TextMemo } from "../core/memo.ts";
import { MarkdownError, markdownToHtml } from "../render/markdown.ts";
import { typography } from "../render/typography.ts";

export const PER_PAGE = 20;

export interface Page {
  /** Path of the page's folder from the archive root: "" for the home page, "events/". */
  path: string;
  /** Absolute, canonical address. */
  url: string;
  /** Relative prefix from this page back to the archive root: "./", "../", "../../". */
  root: string;
  title: string;
  description: string;
}

export function page(config: Config, path: string, title: string, description = ""): Page {
  const depth = path.split("/").filter(Boolean).length;
  return {
    path,
    url: `${config.site.url}/${path}`,
    root: depth === 0 ? "./" : "../".repeat(depth),
    title,
    description,
  };
}

/** Newest first; at equal dates the higher number, then the slug. */
export function newestFirst(issues: readonly Issue[]): Issue[] {
  return [...issues].sort(
    (a, b) =>
      b.data.date.localeCompare(a.data.date) ||
      (b.data.number ?? 0) - (a.data.number ?? 0) ||
      a.slug.localeCompare(b.slug),
  );
}

/** Plain texts of Markdown texts, by language and text (a pure function: never stale). */
const plainTexts = new TextMemo<string>(8 * 1024 * 1024, "plain");

/** Plain text of Markdown, for summaries, search and calendar descriptions. */
export function plainText(markdown: string | undefined, lang: string): string {
  if (!markdown) return "";
  const key = `${lang}\n${markdown}`;
  return plainTexts.get(key) ?? plainTexts.set(key, textOf(markdown, lang));
}

function textOf(markdown: string, lang: string): string {
  let html: string;
  try {
    html = markdownToHtml(markdown, lang);
  } catch (error) {
    // Reported with its issue when the page is rendered; a summary can do without it.
    if (error instanceof MarkdownError) return "";
    throw error;
  }
  return htmlText(html);
}

/** Elements that run inside a line: no space is added around them ("R<b>&</b>D" → "R&D"). */
const INLINE = new Set(
  "a abbr b bdi bdo cite code data del dfn em i ins kbd mark q s samp small span strong sub sup time u var".split(
    " ",
  ),
);

/**
 * The text of sanitised HTML, as a reader sees it: every character reference decoded
 * (`&#x26;` → `&`), attributes (an image's alt, a link's address) left out, blocks
 * separated by a space, and the footnotes' "back to the text" arrows dropped. HTML
 * whitespace collapses; no-break spaces stay.
 */
export function htmlText(html: string): string {
  const parts: string[] = [];
  const walk = (node: DefaultTreeAdapterTypes.ChildNode): void => {
    if (node.nodeName === "#text" && "value" in node) {
      parts.push(node.value);
      return;
    }
    if (!("tagName" in node)) return;
    if (node.attrs.some((a) => a.name === "data-footnote-backref")) return;
    const block = !INLINE.has(node.tagName);
    if (block) parts.push(" ");
    for (const child of node.childNodes) walk(child);
    if (block) parts.push(" ");
  };
  for (const child of parseFragment(html).childNodes) walk(child);
  return parts
    .join("")
    .replace(/[\t\n\f\r ]+/g, " ")
    .trim();
}

function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max).replace(/\s+\S*$/, "")}…`;
}

const summaries = new WeakMap<Issue, string>();

/** The preheader, or the start of the introduction. (An issue never changes: memoised.) */
export function summaryOf(issue: Issue): string {
  let summary = summaries.get(issue);
  if (summary === undefined) {
    summary = typography(
      issue.data.preheader ?? truncate(plainText(issue.body, issue.lang), 220),
      issue.lang,
    );
    summaries.set(issue, summary);
  }
  return summary;
}

/**
 * The address of a tag's page, one per tag: "Événements" → "evenements". Case, accents,
 * spaces and punctuation do not make another tag ("Europe", "europe", "Éurope" are one), but
 * `+` and `#` after a letter do: "C++" → "c-plus-plus", "C#" → "c-sharp", "C" → "c". Letters
 * beyond a–z that would be lost ("数据", "IA 数据") add `--` and a code of the tag's text:
 * plain addresses never hold `--`, so two different tags never share a page.
 */
export function tagSlug(tag: string): string {
  const key = tagKey(tag);
  const plain = key.replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  if (/^[a-z0-9 ]*$/.test(key) && plain) return plain;
  let hash = 0x811c9dc5;
  for (const char of key || tag.trim().toLowerCase()) {
    hash = Math.imul(hash ^ (char.codePointAt(0) ?? 0), 0x01000193) >>> 0;
  }
  return `${plain || "t"}--${hash.toString(36)}`;
}

/** What tells tags apart: letters and digits, case and accents folded; C++ and C# spelled. */
function tagKey(tag: string): string {
  return tag
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/\+/g, " plus ")
    .replace(/(?<=[\p{L}\p{N}])#/gu, " sharp ")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** An issue's tags, one per page: "Europe" and "europe" are the same tag. */
export function issueTags(issue: Issue): { name: string; slug: string }[] {
  const seen = new Map<string, string>();
  for (const name of issue.data.tags ?? []) {
    const slug = tagSlug(name);
    if (!seen.has(slug)) seen.set(slug, name);
  }
  return [...seen].map(([slug, name]) => ({ name, slug }));
}

/** One line of a list of issues. */
export function card(issue: Issue, root: string) {
  return {
    slug: issue.slug,
    title: typography(issue.data.title, issue.lang),
    date: issue.data.date,
    number: issue.data.number,
    lang: issue.lang,
    summary: summaryOf(issue),
    href: `${root}${issue.slug}/`,
    tags: issueTags(issue).map((tag) => ({ name: tag.name, href: `${root}tags/${tag.slug}/` })),
  };
}

export function paginate<T>(items: readonly T[], size = PER_PAGE): T[][] {
  const pages: T[][] = [];
  for (let i = 0; i < items.length; i += size) pages.push(items.slice(i, i + size));
  return pages.length > 0 ? pages : [[]];
}

/** Path of page `n` (1-based) of the home page list. */
export function listPath(n: number): string {
  return n === 1 ? "" : `page/${n}/`;
}

export function tagsOf(
  issues: readonly Issue[],
): { name: string; slug: string; issues: Issue[] }[] {
  const tags = new Map<string, { name: string; slug: string; issues: Issue[] }>();
  for (const issue of issues) {
    for (const { name, slug } of issueTags(issue)) {
      const tag = tags.get(slug) ?? { name, slug, issues: [] };
      tag.issues.push(issue);
      tags.set(slug, tag);
    }
  }
  return [...tags.values()].sort((a, b) => a.name.localeCompare(b.name, "fr"));
}

/** Every datathon of every issue, newest first, with the issue it appeared in. */
export function datathonsOf(issues: readonly Issue[], root: string) {
  return issues
    .flatMap((issue) =>
      issue.data.sections.flatMap((section, index) =>
        section.type === "datathon" ? [{ ...section, from: from(issue, index, root) }] : [],
      ),
    )
    .sort((a, b) => b.start.localeCompare(a.start));
}

/** Every EU project of every issue, by name, with the issue it appeared in. */
export function projectsOf(issues: readonly Issue[], root: string) {
  return issues
    .flatMap((issue) =>
      issue.data.sections.flatMap((section, index) =>
        section.type === "eu-project" ? [{ ...section, from: from(issue, index, root) }] : [],
      ),
    )
    .sort((a, b) => a.name.localeCompare(b.name, "fr"));
}

/** Where an item comes from: the issue and the section's anchor on its page. */
export function from(issue: Issue, index: number, root: string) {
  return {
    title: typography(issue.data.title, issue.lang),
    date: issue.data.date,
    href: `${root}${issue.slug}/#section-${index + 1}`,
  };
}

/** What the sign-up form partial shows (templates/archive/partials/signup-form.hbs). */
export interface SignupForm {
  /** Where it posts: `signup.url`, else `<site.url>/subscribe` (`lettre serve`). */
  action: string;
  lists: { name: string; title: string; checked?: boolean }[];
  /** Boxes to tick when there are several lists; one list is joined without asking. */
  choose: boolean;
  /** The config's consent text; undefined: the label `signupConsent`. */
  consent?: string;
  /** Filled in advance (re-subscribing from the unsubscribe page). */
  address?: string;
}

/** The sign-up form of the config, or undefined when it has none. */
export function signupForm(config: Config): SignupForm | undefined {
  const signup = config.signup;
  if (!signup) return undefined;
  return {
    action: signup.url ?? `${config.site.url}/subscribe`,
    lists: signup.lists.map(({ name, title }) => ({ name, title })),
    choose: signup.lists.length > 1,
    ...(signup.consent ? { consent: signup.consent } : {}),
  };
}
