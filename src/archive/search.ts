/**
 * The client-side search index: a script that defines `LETTRE_SEARCH`, loaded by the search
 * page with a plain <script> tag, so search works from static files alone (even file://).
 */
import type { Issue } from "../content/index.ts";
import { formatDate } from "../render/format.ts";
import { typography } from "../render/typography.ts";
import { plainText, summaryOf } from "./model.ts";

const entries = new WeakMap<Issue, object>();

export function searchIndex(issues: readonly Issue[]): string {
  const list = issues.map((issue) => {
    let entry = entries.get(issue);
    if (!entry) {
      entry = searchEntry(issue);
      entries.set(issue, entry);
    }
    return entry;
  });
  // `</` never appears raw in the script, whatever the content.
  return `window.LETTRE_SEARCH = ${JSON.stringify(list).replace(/</g, "\\u003c")};\n`;
}

function searchEntry(issue: Issue): object {
  const sections = issue.data.sections.map((section) =>
    [
      "title" in section ? section.title : "",
      "name" in section ? section.name : "",
      "theme" in section ? section.theme : "",
      "programme" in section ? section.programme : "",
      "location" in section ? section.location : "",
      "organizer" in section ? section.organizer : "",
      "body" in section ? plainText(section.body, issue.lang) : "",
      section.type === "agenda"
        ? section.items
            .map((item) => [item.title, item.location, plainText(item.body, issue.lang)].join(" "))
            .join(" ")
        : "",
      section.type === "datathon"
        ? `${section.winner?.name ?? ""} ${plainText(section.winner?.body, issue.lang)}`
        : "",
      section.type === "eu-project"
        ? [section.partners, section.countries, section.role]
            .map((v) => (Array.isArray(v) ? v.join(" ") : (v ?? "")))
            .join(" ")
        : "",
    ].join(" "),
  );
  return {
    slug: issue.slug,
    title: typography(issue.data.title, issue.lang),
    date: issue.data.date,
    dateText: formatDate(issue.data.date, issue.lang),
    summary: summaryOf(issue),
    tags: issue.data.tags ?? [],
    text: [plainText(issue.body, issue.lang), ...sections].join(" ").replace(/\s+/g, " "),
  };
}
