/// <reference lib="dom" />
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import axe from "axe-core";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "../../src/pipeline/index.ts";
import { hasChromium, launchChromium } from "../browser.ts";
import { fixtureProject } from "../helpers.ts";
import { serveStatic } from "../static-server.ts";

const PAGES = [
  "",
  "2026-s1/",
  "2025-s2/",
  "events/",
  "datathons/",
  "projects/",
  "tags/",
  "tags/europe/",
  "search/?q=datathon",
];

describe.skipIf(!hasChromium)("the web archive in a real browser", () => {
  let browser: Browser;
  let server: { url: string; close: () => Promise<void> };
  let shots: string;
  let root: string;

  beforeAll(async () => {
    root = await fixtureProject("archive", { forSuite: true });
    const result = await build({ root, today: "2026-03-01" });
    expect(result.ok).toBe(true);
    server = await serveStatic(path.join(root, "dist/archive"));
    browser = await launchChromium();
    shots = await mkdtemp(path.join(tmpdir(), "lettre-archive-shots-"));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await rm(shots, { recursive: true, force: true });
    await rm(root, { recursive: true, force: true });
  });

  async function open(target: string, width = 1280, javaScriptEnabled = true): Promise<Page> {
    const context = await browser.newContext({
      viewport: { width, height: 900 },
      javaScriptEnabled,
    });
    const page = await context.newPage();
    // Loopback only: anything else (remote images) is refused.
    await page.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort());
    await page.goto(server.url + target);
    return page;
  }

  for (const target of PAGES) {
    it(`has no accessibility violation on /${target}`, async () => {
      const page = await open(target);
      await page.addScriptTag({ content: axe.source });
      const { violations, passes } = await page.evaluate(async () => {
        const result = await (window as unknown as { axe: typeof axe }).axe.run(document);
        return {
          violations: result.violations.map(
            (v) => `${v.id}: ${v.nodes.map((n) => n.target).join(" ")}`,
          ),
          passes: result.passes.map((rule) => rule.id),
        };
      });
      expect(violations).toEqual([]);
      // The check really ran: contrast, names, landmarks, language were all looked at.
      expect(passes).toEqual(
        expect.arrayContaining([
          "color-contrast",
          "link-name",
          "landmark-one-main",
          "html-has-lang",
        ]),
      );
      await page.context().close();
    });
  }

  it("searches from the static files alone", async () => {
    const page = await open("search/");
    await page.fill("#q", "competences carte");
    const results = page.locator("#search-results li h2 a");
    await expect.poll(() => results.allTextContents()).toEqual(["L'IA au cœur des territoires"]);
    expect(await page.textContent("#search-status")).toBe("1 lettre(s) trouvée(s)");
    await results.first().click();
    await page.waitForURL(/\/2025-s2\/$/);
    expect(await page.textContent("h1")).toBe("L'IA au cœur des territoires");

    const none = await open("search/?q=introuvable");
    expect(await none.textContent("#search-status")).toBe("Aucune lettre ne contient ces mots.");
    await page.context().close();
    await none.context().close();
  });

  it("works without JavaScript", async () => {
    const page = await open("2026-s1/", 375, false);
    expect(await page.textContent("h1")).toBe("Printemps de la donnée\u00A0: ce qui vient");
    expect(await page.locator("section.section").count()).toBe(3);
    await page.click("text=Lettre précédente");
    await page.waitForURL(/\/2025-s2\/$/);
    const search = await open("search/", 375, false);
    expect(await search.locator("noscript").count()).toBe(1);
    const notice = search.locator("main p", { hasText: "demande JavaScript" });
    expect(await notice.isVisible()).toBe(true);
    await page.context().close();
    await search.context().close();
  });

  for (const width of [375, 1280]) {
    it(`fits ${width} px without horizontal scrolling`, async () => {
      for (const target of ["", "2026-s1/", "events/", "projects/"]) {
        const page = await open(target, width);
        const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(scrollWidth, target).toBeLessThanOrEqual(width);
        const name = target.replace(/\W+/g, "-") || "home";
        await page.screenshot({ path: path.join(shots, `${name}-${width}.png`), fullPage: true });
        await page.context().close();
      }
    });
  }
});
