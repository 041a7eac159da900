import { readdir } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { publicIssue } from "../../src/archive/public.ts";
import type { Issue } from "../../src/content/index.ts";
import { BuildCache } from "../../src/pipeline/cache.ts";
import { build } from "../../src/pipeline/index.ts";
import { makeProject, put, read } from "../helpers.ts";

const ISSUE = `---
title: "Lettre de {{subscriber.firstName|Madame, Monsieur}}"
date: 2025-12-01
sections:
  - type: event
    title: "Atelier pour {{subscriber.organisation}}"
    date: 2026-01-15
    location: Caen
    body: |
      Rendez-vous, {{ subscriber.firstName | chère lectrice, cher lecteur }}.
---
Bonjour {{subscriber.firstName|Madame, Monsieur}} ! Votre structure : {{subscriber.organisation}}.

Repli en gras : {{subscriber.org|<b>Normandie</b>}}, et un script : {{subscriber.x|<span onclick=alert(1)>Caen</span>}}.
`;

async function textFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && /\.(html|xml|json|ics|js)$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

describe("subscriber placeholders in the public archive", () => {
  it("show their fallback (or nothing) in every page, feed, index and the web copy of the email", async () => {
    const root = await makeProject({ "newsletters/bonjour.md": ISSUE });
    const result = await build({ root, today: "2025-12-01" });
    expect(result.ok).toBe(true);
    const archive = path.join(root, "dist/archive");
    // Not one `{{subscriber` (nor its percent-encoded form) anywhere on the web, but the two
    // the build warned about in the web copy of the email, left there as the send leaves them.
    const raw = /\{\{\s*subscriber[^}]*\}\}|%7B%7Bsubscriber/gi;
    for (const file of await textFiles(archive)) {
      const name = path.relative(archive, file);
      const left = (await read(archive, name)).match(raw) ?? [];
      const warned =
        name === path.join("bonjour", "email.html")
          ? ["{{subscriber.org|<b>Normandie</b>}}", "{{subscriber.x|<span>Caen</span>}}"]
          : [];
      expect({ name, left }).toEqual({ name, left: warned });
    }
    expect(result.diagnostics.map((d) => `${d.line} ${d.rule}`)).toEqual([
      "14 placeholder-unfilled",
      "14 placeholder-unfilled",
    ]);
    const page = await read(archive, "bonjour/index.html");
    expect(page).toContain("Bonjour Madame, Monsieur\u202F!");
    expect(page).toContain("Votre structure\u00A0: .");
    expect(page).toContain("Lettre de Madame, Monsieur");
    expect(page).toContain("Rendez-vous, chère lectrice, cher lecteur.");
    expect(page).toContain("Atelier pour </");
    // The fallback went through the sanitizer like any text: markup kept, scripts not.
    expect(page).toContain("<b>Normandie</b>");
    expect(page).not.toMatch(/onclick/i);
    expect(page).toContain("<span>Caen</span>");
    expect(page).toMatch(/<meta name="description" content="Bonjour Madame, Monsieur/);

    const feed = JSON.parse(await read(archive, "feed.json"));
    expect(feed.items[0].title).toBe("Lettre de Madame, Monsieur");
    expect(feed.items[0].content_html).toContain("Bonjour Madame, Monsieur");
    expect(await read(archive, "feed.xml")).toContain("Bonjour Madame, Monsieur");
    expect(await read(archive, "search-index.js")).toContain("Bonjour Madame, Monsieur");
    expect(await read(archive, "events.ics")).toContain("SUMMARY:Atelier pour \r\n");

    // The web copy of the email: filled as the send fills it, for a reader without fields.
    const web = await read(archive, "bonjour/email.html");
    expect(web).toContain("Bonjour Madame, Monsieur");
    expect(web).toContain("<title>Lettre de Madame, Monsieur</title>");
    expect(web).not.toContain("{{unsubscribeUrl}}");
    // The email itself keeps its placeholders: each recipient gets their own.
    const email = await read(root, "dist/email/bonjour.html");
    expect(email).toContain("Bonjour {{subscriber.firstName|Madame, Monsieur}}");
  });

  it("keeps the archive's caches of lettre dev working: one public copy per issue", async () => {
    const root = await makeProject({ "newsletters/bonjour.md": ISSUE });
    const cache = new BuildCache();
    const first = await build({ root, today: "2025-12-01", cache });
    expect(first.ok).toBe(true);
    await put(root, "newsletters/autre.md", "---\ntitle: Autre\ndate: 2025-11-01\n---\nTexte.\n");
    const second = await build({ root, today: "2025-12-01", cache });
    expect(second.ok).toBe(true);
    const issue = second.emails.find((e) => e.issue.slug === "bonjour")?.issue;
    expect(issue).toBe(first.emails[0]?.issue);
    // The page made by the first build is found again for the unchanged issue.
    const copy = publicIssue(issue as Issue);
    expect(copy).toBe(publicIssue(issue as Issue));
    expect(copy.body).toContain("Bonjour Madame, Monsieur !");
    expect(cache.archive.pages.get(copy)?.html).toContain("Bonjour Madame, Monsieur");
    expect(cache.archive.contents.get(copy)).toContain("Bonjour Madame, Monsieur");
  });
});
