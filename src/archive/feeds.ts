/**
 * `feed.xml` (Atom 1.0) and `feed.json` (JSON Feed 1.1): every published issue, newest first,
 * with its full content and absolute links.
 */
import { Feed } from "feed";
import type { Config } from "../config/index.ts";
import type { Issue } from "../content/index.ts";
import { typography } from "../render/typography.ts";
import { summaryOf } from "./model.ts";

export const FEED_SIZE = 50;

export function feeds(
  issues: readonly Issue[],
  config: Config,
  content: (issue: Issue) => string,
): { atom: string; json: string } {
  const base = config.site.url;
  const newest = issues[0];
  const feed = new Feed({
    id: `${base}/`,
    title: config.site.name,
    link: `${base}/`,
    language: config.lang,
    updated: newest ? new Date(`${newest.data.date}T00:00:00Z`) : new Date(0),
    generator: "lettre",
    feedLinks: { atom: `${base}/feed.xml`, json: `${base}/feed.json` },
    ...(config.site.logo ? { image: new URL(config.site.logo.src, `${base}/`).href } : {}),
    copyright: config.site.name,
  });
  for (const issue of issues.slice(0, FEED_SIZE)) {
    const link = `${base}/${issue.slug}/`;
    feed.addItem({
      id: link,
      link,
      title: typography(issue.data.title, issue.lang),
      date: new Date(`${issue.data.date}T00:00:00Z`),
      published: new Date(`${issue.data.date}T00:00:00Z`),
      description: summaryOf(issue),
      content: content(issue),
      category: (issue.data.tags ?? []).map((name) => ({ name })),
      ...(issue.data.image ? { image: new URL(issue.data.image.src, link).href } : {}),
    });
  }
  return { atom: feed.atom1(), json: jsonFeed11(feed.json1(), config.lang) };
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
