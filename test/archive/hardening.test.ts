import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { runInNewContext } from "node:vm";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../src/core/diagnostic.ts";
import { build } from "../../src/pipeline/index.ts";
import { makeProject, read } from "../helpers.ts";

/** XML 1.0, production [2] Char: anything else makes the document not well-formed. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
/** Control characters (C0 but tab, LF, CR; DEL; C1) and noncharacters. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]/;

async function textFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && /\.(html|txt|xml|json|ics|js)$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

describe("text pasted from Word, with characters XML forbids", () => {
  it("gives a feed.xml that parses, with the text, and warns at each line", async () => {
    const root = await makeProject({
      "newsletters/word.md": [
        "---",
        'title: "Bilan\\v annuel ]]> et ]]> fin"',
        "date: 2025-12-01",
        'tags: ["Données\\vouvertes", "R\\bD"]',
        "sections:",
        "  - type: event",
        '    title: "Forum\\vdes données"',
        "    date: 2026-01-15",
        "    location: Caen",
        "---",
        "Premier paragraphe.",
        "",
        "Le code `a]]>b` et le texte ]]> puis encore ]]> avec un\u000Bsaut de ligne Word et \uFFFE.",
        "",
      ].join("\n"),
    });
    const result = await build({ root, today: "2025-12-01" });
    expect(result.ok).toBe(true);
    const warnings = result.diagnostics.map(formatDiagnostic);
    const says = (where: string, chars: string) =>
      `newsletters/word.md:${where}: 1 caractère(s) de contrôle invisible(s) (${chars}) retiré(s) du texte publié : souvent un saut de ligne collé depuis Word ; supprimez-le(s) ici`;
    expect(warnings).toEqual([
      says("2: title", "U+000B"),
      says("4: tags[0]", "U+000B"),
      says("4: tags[1]", "U+0008"),
      says("7: sections[0].title", "U+000B"),
      `newsletters/word.md:13: 2 caractère(s) de contrôle invisible(s) (U+000B, U+FFFE) retiré(s) du texte publié : souvent un saut de ligne collé depuis Word ; supprimez-le(s) ici`,
    ]);

    const xml = await read(root, "dist/archive/feed.xml");
    expect(xml).not.toMatch(NOT_XML_CHAR);
    expect(XMLValidator.validate(xml)).toBe(true);
    const feed = new XMLParser({ ignoreAttributes: false }).parse(xml).feed;
    expect(feed.entry.title["#text"]).toBe("Bilan annuel ]]&gt; et ]]&gt; fin");
    expect(feed.entry.summary["#text"]).toContain("]]&gt; puis encore ]]&gt; avec un saut");
    const content: string = feed.entry.content["#text"];
    expect(content).toContain("<code>a]]&gt;b</code>");
    expect(content).toContain("le texte ]]&gt; puis encore ]]&gt; avec un saut de ligne Word");
    expect(feed.entry.category.map((c: Record<string, string>) => c["@_label"])).toEqual([
      "Données ouvertes",
      "RD",
    ]);

    // No output carries one of them: pages, emails, feeds, calendars, sitemap, search.
    const files = [
      ...(await textFiles(path.join(root, "dist/archive"))),
      ...(await textFiles(path.join(root, "dist/email"))),
    ];
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const text = await readFile(file, "utf8");
      expect({ file, bad: CONTROL.exec(text)?.[0] }).toEqual({ file, bad: undefined });
      expect(text).not.toContain("\\u000b");
    }
    const ics = await read(root, "dist/archive/events.ics");
    const events = new ICAL.Component(ICAL.parse(ics)).getAllSubcomponents("vevent");
    expect(events.map((e) => new ICAL.Event(e).summary)).toEqual(["Forum des données"]);
    const json = JSON.parse(await read(root, "dist/archive/feed.json"));
    expect(json.items[0].title).toBe("Bilan annuel ]]> et ]]> fin");
    expect(json.items[0].content_html).toContain("le texte ]]> puis encore ]]> avec un saut");
    expect(await read(root, "dist/email/word.txt")).toContain("avec un saut de ligne Word");
  });
});

describe("summaries, descriptions, feeds and search", () => {
  it("show &, <, quotes and accents as the editor wrote them, never a character reference", async () => {
    const root = await makeProject({
      "newsletters/entites.md": [
        "---",
        "title: Entités",
        "date: 2025-12-01",
        "---",
        `La R&D avance : 3 < 5, "guillemets", l'apostrophe, É, &eacute; et &#233; ![a > b](https://example.org/x.png) **gras**&nbsp;fin.`,
        "",
      ].join("\n"),
    });
    expect((await build({ root })).ok).toBe(true);
    // As the reader sees it (French typography adds the no-break space before ":").
    const text = `La R&D avance\u00a0: 3 < 5, "guillemets", l'apostrophe, É, é et é gras\u00a0fin.`;
    const html = text
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&#x27;");
    const home = await read(root, "dist/archive/index.html");
    expect(home).toContain(`<p>${html}</p>`);
    const page = await read(root, "dist/archive/entites/index.html");
    expect(page).toContain(`<meta name="description" content="${html}">`);
    expect(page).toContain(`<meta property="og:description" content="${html}">`);
    for (const source of [home, page]) expect(source).not.toMatch(/&amp;(#|[a-z]+;)/);
    const feed = JSON.parse(await read(root, "dist/archive/feed.json"));
    expect(feed.items[0].summary).toBe(text);
    const context: { window: { LETTRE_SEARCH?: { summary: string; text: string }[] } } = {
      window: {},
    };
    runInNewContext(await read(root, "dist/archive/search-index.js"), context);
    expect(context.window.LETTRE_SEARCH?.[0]?.summary).toBe(text);
    expect(context.window.LETTRE_SEARCH?.[0]?.text).toContain(
      `La R&D avance : 3 < 5, "guillemets", l'apostrophe, É, é et é gras fin.`,
    );
  });
});

describe("tags that differ by a symbol", () => {
  it("give C++ and C# their own pages; C and c share one", async () => {
    const issue = (title: string, date: string, tags: string) =>
      `---\ntitle: ${title}\ndate: ${date}\ntags: ${tags}\n---\nTexte.\n`;
    const root = await makeProject({
      "newsletters/un.md": issue("Lettre un", "2025-01-01", '["C++"]'),
      "newsletters/deux.md": issue("Lettre deux", "2025-02-01", '["C#"]'),
      "newsletters/trois.md": issue("Lettre trois", "2025-03-01", "[c]"),
      "newsletters/quatre.md": issue(
        "Lettre quatre",
        "2025-04-01",
        '[C, "C++", "数据", "IA 数据", IA]',
      ),
    });
    expect((await build({ root })).ok).toBe(true);
    const tagDirs = (await readdir(path.join(root, "dist/archive/tags"))).sort();
    expect(tagDirs).toEqual(
      expect.arrayContaining(["c", "c-plus-plus", "c-sharp", "ia", "index.html"]),
    );
    // Non-Latin letters are not dropped into another tag's page either.
    expect(tagDirs).toHaveLength(7);
    const listed = async (slug: string) => {
      const html = await read(root, `dist/archive/tags/${slug}/index.html`);
      return [...html.matchAll(/<h2[^>]*><a href="[^"]*">([^<]+)<\/a>/g)].map((m) => m[1]);
    };
    expect(await listed("c-plus-plus")).toEqual(["Lettre quatre", "Lettre un"]);
    expect(await listed("c-sharp")).toEqual(["Lettre deux"]);
    expect(await listed("c")).toEqual(["Lettre quatre", "Lettre trois"]);
    expect(await listed("ia")).toEqual(["Lettre quatre"]);
    const index = await read(root, "dist/archive/tags/index.html");
    for (const [href, name] of [
      ["c-plus-plus/", "C++"],
      ["c-sharp/", "C#"],
      ["c/", "C"],
    ]) {
      expect(index).toContain(`<a href="${href}">${name}</a>`);
    }
  });
});
