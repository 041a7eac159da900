/// <reference lib="dom" />
/**
 * Regression (issue 8): ids and names written in raw HTML reached the page as written, so
 * `<img name="getElementById">` or `<a id="location">` clobbered the DOM of archive pages,
 * which run search.js. They are now prefixed with `user-content-` (as GitHub does); the
 * footnotes and the editor's own in-page links still lead where they should.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { build } from "../../src/pipeline/index.ts";
import { markdownToHtml } from "../../src/render/markdown.ts";
import { hasChromium, launchChromium } from "../browser.ts";
import { makeProject, read } from "../helpers.ts";
import { serveStatic } from "../static-server.ts";

const CLOBBERING = [
  "Voir [le programme](#programme), [la note](#note) et [la section](#section-2).",
  "",
  '<a name="getElementById" id="location">ancre</a> <img name="querySelector" id="search" src="https://x.org/a.png" alt="">',
  "",
  '<form id="cookie" name="forms"><input name="attributes"></form>',
  "",
  '<h2 id="programme">Programme</h2>',
  "",
  'Une remarque<a id="note"></a>[^1].',
  "",
  "[^1]: La note de bas de page.",
].join("\n");

/** Every `id="…"` and `name="…"` of an HTML text. */
function names(html: string): string[] {
  return [...html.matchAll(/ (?:id|name)="([^"]*)"/g)].map((m) => m[1] ?? "");
}

describe("ids and names from raw HTML", () => {
  it("are prefixed, so that none clobbers a global of the page", () => {
    const html = markdownToHtml(CLOBBERING, "fr");
    const own = names(html).filter(
      (name) => !/^fn-\w+-(fn|fnref)-1$|^fn-\w+-footnote-label$/.test(name),
    );
    expect(own.sort()).toEqual([
      "user-content-getElementById",
      "user-content-location",
      "user-content-note",
      "user-content-programme",
      "user-content-querySelector",
      "user-content-search",
    ]);
  });

  it("keeps footnotes and the editor's in-page links working", () => {
    const html = markdownToHtml(CLOBBERING, "fr");
    const ids = new Set(names(html));
    const hrefs = [...html.matchAll(/href="#([^"]+)"/g)].map((m) => m[1] ?? "");
    // Every link to this text leads to an id of it; #section-2 is the page's own anchor.
    expect(hrefs.filter((href) => !ids.has(href))).toEqual(["section-2"]);
    expect(html).toContain('<a href="#user-content-programme">le programme</a>');
    expect(html).toContain('<a href="#user-content-note">la note</a>');
    const ref =
      /<a href="#([^"]+)" id="([^"]+)" data-footnote-ref="" aria-describedby="([^"]+)">/.exec(html);
    expect(ref?.[1]).toMatch(/^fn-\w+-fn-1$/);
    expect(html).toContain(`<li id="${ref?.[1]}">`);
    expect(html).toContain(`<a href="#${ref?.[2]}" data-footnote-backref=""`);
    expect(html).toContain(`<h3 id="${ref?.[3]}">Notes</h3>`);
  });

  it.skipIf(!hasChromium)(
    "leaves the globals of an archive page alone in a real browser",
    async () => {
      const root = await makeProject({
        "newsletters/2026-s1.md": `---\ntitle: Lettre\ndate: 2026-01-15\n---\n${CLOBBERING}\n`,
      });
      const result = await build({ root });
      expect(result.diagnostics).toEqual([]);
      const page = await read(root, "dist/archive/2026-s1/index.html");
      expect(names(page)).not.toContain("location");
      expect(names(page)).not.toContain("getElementById");
      const server = await serveStatic(path.join(root, "dist/archive"));
      const browser = await launchChromium();
      try {
        const tab = await browser.newPage();
        await tab.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort());
        await tab.goto(`${server.url}2026-s1/`);
        const seen = await tab.evaluate(() => ({
          getElementById: typeof document.getElementById,
          querySelector: typeof document.querySelector,
          forms: document.forms instanceof HTMLCollection,
          cookie: typeof document.cookie,
          location:
            typeof (window as { location: unknown }).location === "object" &&
            "href" in window.location,
          search: typeof (window as unknown as Record<string, unknown>).search,
          programme: document.querySelector('a[href="#user-content-programme"]') !== null,
        }));
        expect(seen).toEqual({
          getElementById: "function",
          querySelector: "function",
          forms: true,
          cookie: "string",
          location: true,
          search: "undefined",
          programme: true,
        });
        await tab.click('a[href="#user-content-programme"]');
        expect(await tab.evaluate(() => window.location.hash)).toBe("#user-content-programme");
        expect(await tab.evaluate(() => document.querySelector(":target")?.textContent)).toBe(
          "Programme",
        );
      } finally {
        await browser.close();
        await server.close();
      }
    },
  );
});
