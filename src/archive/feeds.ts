/**
 * `feed.xml` (Atom 1.0) and `feed.json` (JSON Feed 1.1): every published issue, newest first,
 * with its full content and absolute links. Every text is stripped of the characters XML 1.0
 * forbids, and the HTML content never holds `]]>` (the `feed` package puts it in a CDATA
 * section and splits only the first one).
 */
import { Feed } from "feed";
import type { Config } from "../config/index.ts";
import type { Issue } from "../content/index.ts";
import { stripInvalidChars } from "../core/chars.ts";
import { escapeHtml } from "../core/html.ts";
import { typography } from "../render/typography.ts";
import { issueTags, summaryOf } from "./model.ts";

export const FEED_SIZE = 50;

export function feeds(
  issues: readonly Issue[],
  config: Config,
  content: (issue: Issue) => string,
): { atom: string; json: string } {
  const contents = new Map(
    issues.slice(0, FEED_SIZE).map((issue) => [issue, stripInvalidChars(content(issue))]),
  );
  // In HTML, "]]&gt;" is the same text as "]]>", in text and in attribute values alike.
  const cdataSafe = new Map(
    [...contents].map(([issue, html]) => [issue, html.replaceAll("]]>", "]]&gt;")]),
  );
  // Atom marks titles and summaries as HTML: there, "<b>" in a title must stay text.
  const atom = makeFeed(issues, config, cdataSafe, (text) =>
    escapeHtml(stripInvalidChars(text)),
  ).atom1();
  const json = makeFeed(issues, config, contents, stripInvalidChars).json1();
  return { atom, json: jsonFeed11(json, config.lang) };
}

function makeFeed(
  issues: readonly Issue[],
  config: Config,
  contents: Map<Issue, string>,
  text: (value: string) => string,
): Feed {
  const base = config.site.url;
  const newest = issues[0];
  const author = { name: stripInvalidChars(config.site.name), link: `${base}/` };
  const feed = new Feed({
    id: `${base}/`,
    title: text(config.site.name),
    link: `${base}/`,
    language: config.lang,
    updated: newest ? new Date(`${newest.data.date}T00:00:00Z`) : new Date(0),
    generator: "lettre",
    feedLinks: { atom: `${base}/feed.xml`, json: `${base}/feed.json` },
    author,
    ...(config.site.logo ? { image: new URL(config.site.logo.src, `${base}/`).href } : {}),
    copyright: text(config.site.name),
  });
  for (const [issue, html] of contents) {
    const link = `${base}/${issue.slug}/`;
    const date = new Date(`${issue.data.date}T00:00:00Z`);
    feed.addItem({
      id: link,
      link,
      title: text(typography(issue.data.title, issue.lang)),
      date,
      published: date,
      description: text(summaryOf(issue)),
      content: html,
      author: [author],
      // Atom requires a term; the label may hold any text (angle brackets dropped: the
      // feed library does not escape them in attributes).
      category: issueTags(issue).map((tag) => ({
        name: stripInvalidChars(tag.name).replace(/[<>]/g, ""),
        term: tag.slug,
      })),
      ...(issue.data.image ? { image: new URL(issue.data.image.src, link).href } : {}),
    });
  }
  return feed;
}

/**
 * `feed` writes JSON Feed 1.0; 1.1 adds `language` and replaces `author` with `authors`.
 * See https://www.jsonfeed.org/version/1.1/.
 */
function jsonFeed11(json10: string, language: string): string {
  const feed = JSON.parse(json10);
  const authors = (item: { author?: unknown; authors?: unknown[] }) => {
    if (item.author) item.authors = [item.author];
    delete item.author;
  };
  feed.version = "https://jsonfeed.org/version/1.1";
  feed.language = language;
  authors(feed);
  for (const item of feed.items ?? []) authors(item);
  return `${JSON.stringify(feed, null, 2)}\n`;
}
