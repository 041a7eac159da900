/// <reference lib="dom" />
import { cp } from "node:fs/promises";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "../../src/pipeline/index.ts";
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

/** Five columns of long words: wider than the email's column at any width (the attack's). */
const WIDER = `---
title: Cinq colonnes
date: 2025-12-02
---
| Établissement | Interopérabilité | Responsabilité | Accompagnement | Caractéristiques |
| --- | --- | --- | --- | --- |
| Intercommunalités | Infrastructures | Expérimentations | Professionnalisation | Développement |
| Normandie | https://www.datalab-normandie.fr/rapports/2025/activite-annuelle-tres-longue-adresse.pdf | Oui | Non | Peut-être |
`;

/**
 * Every data table cell whose content a reader cannot reach: outside the window, or cut by an
 * ancestor that hides its overflow, unless a scroll container (overflow-x auto or scroll)
 * holds it whole (its scrollable width reaches the cell's right edge) and is itself within
 * the window.
 */
function unreachableCells(): string[] {
  const width = document.documentElement.clientWidth;
  const out: string[] = [];
  for (const cell of document.querySelectorAll<HTMLElement>(
    "table.data-table th, table.data-table td",
  )) {
    // What must be seen: the cell, then the scroll box it is seen through, and so on up.
    let box = cell.getBoundingClientRect();
    for (let el = cell.parentElement; el && el !== document.body; el = el.parentElement) {
      const overflow = getComputedStyle(el).overflowX;
      if (overflow === "visible") continue;
      const r = el.getBoundingClientRect();
      if (overflow === "auto" || overflow === "scroll") {
        // Everything within the container's scrollable width can be scrolled into view.
        const start = r.left - el.scrollLeft;
        if (box.left < start - 1 || box.right > start + el.scrollWidth + 1) {
          out.push(`${cell.textContent} (beyond its scroll box)`);
        }
        box = r;
      } else if (box.left < r.left - 1 || box.right > r.right + 1) {
        out.push(`${cell.textContent} (cut by overflow: ${overflow})`);
      }
    }
    if (box.left < -1 || box.right > width + 1) out.push(`${cell.textContent} (off the window)`);
  }
  return out;
}

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
    const root = await makeProject({
      "newsletters/budget.md": WIDE,
      "newsletters/wider.md": WIDER,
    });
    await cp(path.join(REPO, "newsletters"), path.join(root, "newsletters"), { recursive: true });
    const result = await build({ root, write: false });
    expect(result.ok).toBe(true);
    for (const { issue, email } of result.emails)
      emails.push({ name: issue.slug, html: email.html });
    expect(emails.map((e) => e.name).sort()).toEqual(["2025-s2", "budget", "wider"]);
  });

  afterAll(async () => {
    await browser?.close();
  });

  for (const width of [600, 375]) {
    it(`are never cut in two nor cut off at ${width} px, and the email does not scroll sideways`, async () => {
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
        const unreachable = await page.evaluate(unreachableCells);
        expect({ name, unreachable }).toEqual({ name, unreachable: [] });
        const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
        expect({ name, scrollWidth }).toEqual({ name, scrollWidth: width });
        await page.close();
      }
    });
  }
});
