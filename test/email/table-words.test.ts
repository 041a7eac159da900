/// <reference lib="dom" />
import { cp } from "node:fs/promises";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "../../src/cli/build.ts";
import { hasChromium, launchChromium } from "../browser.ts";
import { makeProject, REPO } from "../helpers.ts";

const WIDE = `---
title: Budget des projets
date: 2025-12-01
---
Les projets soutenus depuis 2023.

| Projet | Depuis | Montant | Partenaires | Statut |
| --- | --- | --- | --- | --- |
| Normandie Numérique | 2023 | 1 200 000 € | Région, AD Normandie, Université de Caen | Financement confirmé |
| Datathon | décembre 2024 | 45 000 € | Normandie.ai | Terminé |

| Indicateur | Valeur | Source |
| --- | --- | --- |
| Entreprises accompagnées | 120 | https://www.datalab-normandie.fr/rapports/2025/activite-annuelle.pdf |
| Montant investi | 271 M€ | [le rapport](https://example.org/rapport) |
`;

/**
 * Every word of every data table cell whose glyphs sit on more than one line. A word ends at
 * a space or after a hyphen (both are places where a line may break); web addresses may break.
 */
function splitWords(): string[] {
  const split: string[] = [];
  for (const cell of document.querySelectorAll("table.data-table th, table.data-table td")) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of (node.textContent ?? "").matchAll(/[^\s-]+-?/g)) {
        if (/:\/\/|^www\.|\.(fr|org|pdf)/.test(match[0])) continue;
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set(
          [...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)),
        );
        if (lines.size > 1) split.push(match[0]);
      }
    }
  }
  return split;
}

describe.skipIf(!hasChromium)("words in the email's tables", () => {
  let browser: Browser;
  const emails: { name: string; html: string }[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    const root = await makeProject({ "newsletters/budget.md": WIDE });
    await cp(path.join(REPO, "newsletters"), path.join(root, "newsletters"), { recursive: true });
    const result = await build({ root, write: false });
    expect(result.ok).toBe(true);
    for (const { issue, email } of result.emails)
      emails.push({ name: issue.slug, html: email.html });
    expect(emails.map((e) => e.name).sort()).toEqual(["2025-s2", "budget"]);
  });

  afterAll(async () => {
    await browser?.close();
  });

  for (const width of [600, 375]) {
    it(`are never cut in two at ${width} px, and the email does not scroll sideways`, async () => {
      for (const { name, html } of emails) {
        const page = await browser.newPage({ viewport: { width, height: 900 } });
        await page.route(/^https?:/, (route) => route.abort());
        await page.setContent(html, { waitUntil: "load" });
        const result = await page.evaluate(splitWords);
        const cells = await page.evaluate(
          () => document.querySelectorAll("table.data-table td").length,
        );
        expect(cells).toBeGreaterThan(0);
        expect({ name, split: result }).toEqual({ name, split: [] });
        const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
        expect({ name, scrollWidth }).toEqual({ name, scrollWidth: width });
        await page.close();
      }
    });
  }
});
