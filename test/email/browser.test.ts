/// <reference lib="dom" />
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "../../src/pipeline/index.ts";
import { hasChromium, launchChromium } from "../browser.ts";
import { fixtureProject } from "../helpers.ts";

describe.skipIf(!hasChromium)("the email in a real browser", () => {
  let browser: Browser;
  let html: string;
  let shots = "";

  beforeAll(async () => {
    browser = await launchChromium();
    shots = await mkdtemp(path.join(tmpdir(), "lettre-shots-"));
    const root = await fixtureProject("full");
    // The project is removed after the first test; the email HTML is all this suite needs.
    const result = await build({ root, write: false });
    html = result.emails[0]?.email.html ?? "";
  });

  afterAll(async () => {
    await browser?.close();
    // Undefined when Chromium could not start: that failure is the one to report.
    if (shots) await rm(shots, { recursive: true, force: true });
  });

  async function open(width: number) {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    // No network: remote images are refused, as an offline mail client would.
    await page.route(/^https?:/, (route) => route.abort());
    await page.setContent(html, { waitUntil: "load" });
    return page;
  }

  for (const width of [375, 600]) {
    it(`fits ${width} px without horizontal scrolling`, async () => {
      const page = await open(width);
      const layout = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        h1: document.querySelector("h1")?.getBoundingClientRect().width ?? 0,
        tables: [...document.querySelectorAll("table.data-table")].map(
          (t) => t.getBoundingClientRect().right,
        ),
      }));
      expect(layout.scrollWidth).toBeLessThanOrEqual(width);
      expect(layout.h1).toBeGreaterThan(width * 0.6);
      for (const right of layout.tables) expect(right).toBeLessThanOrEqual(width);
      await page.screenshot({ path: path.join(shots, `email-${width}.png`), fullPage: true });
      await page.close();
    });
  }

  it("stacks to one column on a phone, centred 600 px on a desktop", async () => {
    const phone = await open(375);
    const widest = () =>
      Math.max(
        ...[...document.querySelectorAll(".mj-column-per-100")].map(
          (column) => column.getBoundingClientRect().width,
        ),
      );
    expect(await phone.evaluate(widest)).toBe(375);
    const desktop = await open(800);
    expect(await desktop.evaluate(widest)).toBe(600);
    await phone.close();
    await desktop.close();
  });
});
