/** schema.org JSON-LD for an issue page: the issue as a NewsArticle and each of its events. */
import type { Config } from "../config/index.ts";
import type { Issue } from "../content/index.ts";
import type { Entry } from "./calendar.ts";
import { summaryOf } from "./model.ts";

export function jsonLd(issue: Issue, config: Config, entries: readonly Entry[]): string {
  const url = `${config.site.url}/${issue.slug}/`;
  const publisher = { "@type": "Organization", name: config.site.name, url: `${config.site.url}/` };
  const article = {
    "@type": "NewsArticle",
    "@id": url,
    headline: issue.data.title,
    datePublished: issue.data.date,
    inLanguage: issue.lang,
    url,
    description: summaryOf(issue),
    publisher,
    author: publisher,
    ...(issue.data.image ? { image: new URL(issue.data.image.src, url).href } : {}),
    ...(issue.data.tags ? { keywords: issue.data.tags.join(", ") } : {}),
  };
  const events = entries
    .filter((entry) => entry.issue === issue && /^\d{4}-\d{2}-\d{2}$/.test(entry.start))
    .map((entry) => ({
      "@type": "Event",
      name: entry.title,
      startDate: entry.start,
      endDate: entry.end ?? entry.start,
      url: entry.url ?? `${url}#section-${entry.section + 1}`,
      ...(entry.description ? { description: entry.description } : {}),
      ...(entry.location ? { location: { "@type": "Place", name: entry.location } } : {}),
      ...(entry.organizer ? { organizer: { "@type": "Organization", name: entry.organizer } } : {}),
    }));
  const graph = { "@context": "https://schema.org", "@graph": [article, ...events] };
  // Safe inside <script>: no "</script>" or "<!--" can be formed.
  return JSON.stringify(graph).replace(/</g, "\\u003c");
}
