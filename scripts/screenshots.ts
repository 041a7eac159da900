/**
 * `npm run screenshots`: opens each built email (dist/email/*.html) in headless Chromium at
 * phone and desktop widths and writes full-page PNGs to dist/screenshots/, to look at.
 */
import { mkdir, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { launchChromium } from "../test/browser.ts";

const WIDTHS = [375, 600];
const dist = path.resolve(process.argv[2] ?? "dist");
const out = path.join(dist, "screenshots");
await mkdir(out, { recursive: true });
const browser = await launchChromium();
try {
  const emails = (await readdir(path.join(dist, "email"))).filter((f) => f.endsWith(".html"));
  for (const file of emails) {
    const html = await readFile(path.join(dist, "email", file), "utf8");
    for (const width of WIDTHS) {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      await page.route(/^https?:/, (route) => route.abort());
      await page.setContent(html, { waitUntil: "load" });
      const target = path.join(out, `${file.replace(/\.html$/, "")}-${width}.png`);
      await page.screenshot({ path: target, fullPage: true });
      console.log(target);
      await page.close();
    }
  }
} finally {
  await browser.close();
}
