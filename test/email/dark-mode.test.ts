/// <reference lib="dom" />
import { cp } from "node:fs/promises";
import path from "node:path";
import axe from "axe-core";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "../../src/pipeline/index.ts";
import { hasChromium, launchChromium } from "../browser.ts";
import { makeProject, REPO } from "../helpers.ts";

/**
 * For each table cell: its text colour, the colour of the first ancestor (or itself) with an
 * opaque background, and the WCAG 2.2 contrast ratio of the two. Runs in the page.
 */
function cellContrasts() {
  const rgb = (css: string) => (css.match(/[\d.]+/g) ?? []).map(Number);
  const luminance = (css: string) => {
    const [r = 0, g = 0, b = 0] = rgb(css).map((c) => {
      const s = c / 255;
      return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const background = (element: Element | null): string => {
    for (let e = element; e; e = e.parentElement) {
      const css = getComputedStyle(e).backgroundColor;
      const alpha = rgb(css)[3];
      if (alpha === undefined || alpha > 0) return css;
    }
    return "rgb(255, 255, 255)";
  };
  return [...document.querySelectorAll("th, td")]
    .filter((cell) => [...cell.childNodes].some((n) => n.nodeType === 3 && n.textContent?.trim()))
    .map((cell) => {
      const color = getComputedStyle(cell).color;
      const bg = background(cell);
      const [hi, lo] = [luminance(color), luminance(bg)].sort((a, b) => b - a);
      return {
        text: cell.textContent?.trim().slice(0, 30),
        color,
        bg,
        ratio: Math.round((((hi ?? 0) + 0.05) / ((lo ?? 0) + 0.05)) * 100) / 100,
      };
    });
}

describe.skipIf(!hasChromium)("the email in dark mode", () => {
  let browser: Browser;
  let html: string;

  beforeAll(async () => {
    browser = await launchChromium();
    // The repository's example issue: a data table, facts, a datathon winner's box.
    const root = await makeProject();
    await cp(path.join(REPO, "newsletters"), path.join(root, "newsletters"), { recursive: true });
    const result = await build({ root, write: false });
    html = result.emails[0]?.email.html ?? "";
    expect(html).toContain("<th");
  });

  afterAll(async () => {
    await browser?.close();
  });

  async function open(colorScheme: "dark" | "light"): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 600, height: 900 }, colorScheme });
    await page.route(/^https?:/, (route) => route.abort());
    await page.setContent(html, { waitUntil: "load" });
    return page;
  }

  for (const scheme of ["dark", "light"] as const) {
    it(`has every table header and cell readable in ${scheme} mode (4.5:1 at least)`, async () => {
      const page = await open(scheme);
      expect(await page.evaluate(() => matchMedia("(prefers-color-scheme: dark)").matches)).toBe(
        scheme === "dark",
      );
      const cells = await page.evaluate(cellContrasts);
      expect(cells.length).toBeGreaterThan(10);
      expect(cells.filter((cell) => cell.ratio < 4.5)).toEqual([]);
      await page.close();
    });

    it(`passes axe-core's color-contrast rule in ${scheme} mode`, async () => {
      const page = await open(scheme);
      await page.addScriptTag({ content: axe.source });
      const result = await page.evaluate(async () => {
        const run = await (window as unknown as { axe: typeof axe }).axe.run(document, {
          runOnly: ["color-contrast"],
        });
        return {
          violations: run.violations.flatMap((v) =>
            v.nodes.map((n) => `${n.target.join(" ")}: ${n.any[0]?.message ?? ""}`),
          ),
          passed: run.passes.flatMap((v) => v.nodes).length,
        };
      });
      expect(result.violations).toEqual([]);
      expect(result.passed).toBeGreaterThan(20);
      await page.close();
    });
  }
});
