/**
 * On the web there is no subscriber: the archive (pages, feeds, search, calendars, meta
 * descriptions) works on a public copy of each issue in which every
 * `{{subscriber.x|fallback}}` of every text, front matter and Markdown alike, is its
 * fallback, or nothing without one. The replacement is made in the source, before
 * rendering, so the Markdown pipeline and its sanitizer treat the fallback like any text.
 * The placeholders are the send stage's (same pattern). One the send could not fill (HTML in
 * its fallback, emphasis over half of it, inside a link's address: `lettre build` warns of
 * each) still shows its fallback here: the web page reads right while the email is fixed.
 */
import type { Config } from "../config/index.ts";
import type { Issue } from "../content/index.ts";
import { PLACEHOLDER } from "../send/message.ts";

/** `text` with each subscriber placeholder replaced by its fallback (trimmed, as sent). */
function publicText(text: string): string {
  if (!text.includes("{{")) return text;
  return text.replace(new RegExp(PLACEHOLDER.source, "g"), (all, field, fallback) =>
    field === undefined ? all : String(fallback ?? "").trim(),
  );
}

function publicValue<T>(value: T): T {
  if (typeof value === "string") return publicText(value) as T;
  if (Array.isArray(value)) return value.map(publicValue) as T;
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, publicValue(v)])) as T;
  }
  return value;
}

const copies = new WeakMap<Issue, Issue>();

/**
 * The issue as the web shows it. The same issue gives the same copy (the archive's caches
 * of `lettre dev` are keyed by issue); an issue without placeholders is its own copy.
 */
export function publicIssue(issue: Issue): Issue {
  let copy = copies.get(issue);
  if (!copy) {
    const data = publicValue(issue.data);
    const body = publicText(issue.body);
    const same = body === issue.body && JSON.stringify(data) === JSON.stringify(issue.data);
    copy = same ? issue : { ...issue, data, body };
    copies.set(issue, copy);
  }
  return copy;
}

/** The config's texts shown on every page (the footer may greet a subscriber too). */
export function publicConfig(config: Config): Config {
  return {
    ...config,
    site: { ...config.site, name: publicText(config.site.name) },
    sender: { ...config.sender, name: publicText(config.sender.name) },
    footer: publicText(config.footer),
    ...(config.address === undefined ? {} : { address: publicText(config.address) }),
  };
}
