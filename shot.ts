import { launchChromium } from "./test/browser.ts";
import { serveStatic } from "./test/static-server.ts";

const server = await serveStatic("/work/main/dist/archive");
const b = await launchChromium();
for (const [name, p] of [
  ["home", ""],
  ["issue", "2025-s2/"],
  ["events", "events/"],
  ["search", "search/?q=datathon"],
]) {
  for (const width of [375, 1280]) {
    const page = await b.newPage({ viewport: { width, height: 900 } });
    await page.route(/^https?:\/\/(?!127\.0\.0\.1)/, (r) => r.abort());
    await page.goto(server.url + p);
    await page.screenshot({ path: `/tmp/a-${name}-${width}.png`, fullPage: width === 1280 });
    await page.close();
  }
}
await b.close();
await server.close();
