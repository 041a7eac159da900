import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { runInNewContext } from "node:vm";
import { XMLParser } from "fast-xml-parser";
import ICAL from "ical.js";
import Parser from "rss-parser";
import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../src/core/diagnostic.ts";
import { build } from "../../src/pipeline/index.ts";
import { fixtureProject, makeProject, put, read } from "../helpers.ts";

const SITE = "https://lettre.datalab-normandie.fr";
const TODAY = "2026-03-01";

async function builtArchive() {
  const root = await fixtureProject("archive");
  const result = await build({ root, today: TODAY });
  expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
  return root;
}

async function allFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

describe("the web archive", () => {
  it("writes every page, feed and file, and never a draft", async () => {
    const root = await builtArchive();
    const dir = path.join(root, "dist/archive");
    const files = await allFiles(dir);
    expect(files).toEqual([
      "2025-s1/email.html",
      "2025-s1/index.html",
      "2025-s2/calendar/1.ics",
      "2025-s2/calendar/2.ics",
      "2025-s2/email.html",
      "2025-s2/files/programme.pdf",
      "2025-s2/index.html",
      "2026-s1/calendar/1.ics",
      "2026-s1/calendar/3-2.ics",
      "2026-s1/email.html",
      "2026-s1/images/couverture.png",
      "2026-s1/index.html",
      "assets/search.js",
      "assets/style.css",
      "datathons/index.html",
      "events.ics",
      "events/index.html",
      "feed.json",
      "feed.xml",
      "index.html",
      "projects/index.html",
      "robots.txt",
      "search-index.js",
      "search/index.html",
      "sitemap.xml",
      "tags/datathon/index.html",
      "tags/europe/index.html",
      "tags/evenements/index.html",
      "tags/index.html",
    ]);
    for (const file of files) {
      const text = await readFile(path.join(dir, file), "latin1");
      expect(text, file).not.toMatch(/secret|confidentiel/i);
    }
    // With --drafts the draft's email is built for previewing; the archive still leaves it out.
    expect(await readdir(path.join(root, "dist/email"))).not.toContain("secret.html");
    await build({ root, today: TODAY, drafts: true });
    expect(await readdir(path.join(root, "dist/email"))).toContain("secret.html");
    expect(await allFiles(dir)).toEqual(files);
    for (const file of files) {
      const text = await readFile(path.join(dir, file), "latin1");
      expect(text, file).not.toMatch(/secret|confidentiel/i);
    }
  });

  it("lists issues newest first with date, number and summary", async () => {
    const root = await builtArchive();
    const html = await read(root, "dist/archive/index.html");
    const titles = [...html.matchAll(/<h2><a href="([^"]+)">([^<]+)<\/a><\/h2>/g)].map((m) => [
      m[1],
      m[2],
    ]);
    expect(titles).toEqual([
      ["./2026-s1/", "Printemps de la donnée\u00A0: ce qui vient"],
      ["./2025-s2/", "L&#x27;IA au cœur des territoires"],
      ["./2025-s1/", "Premier semestre 2025"],
    ]);
    expect(html).toContain('<time datetime="2026-02-15">15 février 2026</time> · N° 13');
    expect(html).toContain("Un forum sur deux jours, un datathon santé");
    expect(html).toContain("Notre première lettre de l&#x27;année.");
    expect(html).not.toContain('class="pagination"');
  });

  it("makes each issue a semantic page with meta, JSON-LD and neighbours", async () => {
    const root = await builtArchive();
    const html = await read(root, "dist/archive/2026-s1/index.html");
    expect(html).toMatch(/^<!doctype html>\n<html lang="fr">/);
    expect(html).toContain("<h1>Printemps de la donnée\u00A0: ce qui vient</h1>");
    expect(html).toContain(
      '<link rel="canonical" href="https://lettre.datalab-normandie.fr/2026-s1/">',
    );
    expect(html).toContain(
      '<meta property="og:title" content="Printemps de la donnée\u00A0: ce qui vient">',
    );
    expect(html).toContain(
      `<meta property="og:image" content="${SITE}/2026-s1/images/couverture.png">`,
    );
    expect(html).toContain('<meta name="twitter:card" content="summary_large_image">');
    expect(html).toContain('<time datetime="2026-04-01">du 1er au 2 avril 2026</time>');
    expect(html).toContain('<section id="section-1" class="section section-event">');
    expect(html).toContain("<dt>Participants</dt><dd>450</dd>");
    expect(html).toContain('<a href="email.html">Version e-mail de cette lettre</a>');
    expect(html).toContain('href="../2025-s2/" rel="prev">Lettre précédente');
    expect(html).not.toContain('rel="next"');
    expect(html).toContain('<a href="../tags/europe/">Europe</a>');
    expect(html).toContain('href="../2026-s1/calendar/1.ics" download');
    // Handlebars escapes "=" and "&" in attributes; browsers read them back.
    expect(html).toContain(
      "https://calendar.google.com/calendar/render?action&#x3D;TEMPLATE&amp;text&#x3D;Forum",
    );
    // Sanitised like the email
    const withoutOwnScripts = html.replace(
      /<script type="application\/ld\+json">.*?<\/script>/s,
      "",
    );
    expect(withoutOwnScripts).not.toMatch(/<script|onerror|javascript:/i);
    // JSON-LD: the issue and its dated events
    const ld = JSON.parse(
      /<script type="application\/ld\+json">(.*?)<\/script>/s.exec(html)?.[1] ?? "",
    );
    const graph = ld["@graph"] as Record<string, unknown>[];
    expect(graph.map((node) => node["@type"])).toEqual(["NewsArticle", "Event", "Event"]);
    expect(graph[0]).toMatchObject({ datePublished: "2026-02-15", inLanguage: "fr" });
    expect(graph[1]).toMatchObject({
      name: "Forum régional de la donnée",
      startDate: "2026-04-01",
      endDate: "2026-04-02",
      location: { "@type": "Place", name: "Rouen, Hangar 107" },
    });
    // Files linked from Markdown are published next to the page, linked absolutely.
    // Relative on the page, so the archive works wherever it is opened; absolute in feeds.
    expect(await read(root, "dist/archive/2025-s2/index.html")).toContain(
      '<a href="files/programme.pdf">Le programme (PDF)</a>',
    );
    expect(html).toContain(
      '<img src="images/couverture.png" alt="Le public d&#x27;un forum de la donnée">',
    );
    expect(await read(root, "dist/archive/feed.json")).toContain(
      `href=\\"${SITE}/2025-s2/files/programme.pdf\\"`,
    );
    expect(await read(root, "dist/archive/2025-s2/files/programme.pdf")).toContain("%PDF-1.4");
    // The email version, without the per-recipient placeholder
    const email = await read(root, "dist/archive/2026-s1/email.html");
    expect(email).not.toContain("{{unsubscribeUrl}}");
    expect(email).toContain("mailto:lettre@datalab-normandie.fr?subject=Se%20d%C3%A9sinscrire");
  });

  it("publishes feeds with full content and absolute links", async () => {
    const root = await builtArchive();
    const atom = await new Parser().parseString(await read(root, "dist/archive/feed.xml"));
    expect(atom.title).toBe("DataLab Normandie");
    expect(atom.items.map((item) => [item.title, item.link])).toEqual([
      ["Printemps de la donnée\u00A0: ce qui vient", `${SITE}/2026-s1/`],
      ["L'IA au cœur des territoires", `${SITE}/2025-s2/`],
      ["Premier semestre 2025", `${SITE}/2025-s1/`],
    ]);
    const first = atom.items[0]?.content ?? "";
    expect(first).toContain("Forum régional de la donnée");
    expect(first).toContain(`href="${SITE}/2026-s1/calendar/1.ics"`);
    expect(first).not.toMatch(/href="\.\.?\//);
    expect(first).not.toMatch(/<script|onerror|javascript:/i);

    const json = JSON.parse(await read(root, "dist/archive/feed.json"));
    expect(json.version).toBe("https://jsonfeed.org/version/1.1");
    expect(json.feed_url).toBe(`${SITE}/feed.json`);
    expect(json.items.map((item: { url: string }) => item.url)).toEqual([
      `${SITE}/2026-s1/`,
      `${SITE}/2025-s2/`,
      `${SITE}/2025-s1/`,
    ]);
    expect(json.items[1].content_html).toContain("Compétences à la carte");
    expect(json.items[0].date_published).toBe("2026-02-15T00:00:00.000Z");
  });

  it("writes a calendar with one all-day VEVENT per dated event and stable UIDs", async () => {
    const root = await builtArchive();
    const parse = (text: string) =>
      new ICAL.Component(ICAL.parse(text)).getAllSubcomponents("vevent").map((vevent) => {
        const event = new ICAL.Event(vevent);
        return [event.uid, event.summary, event.startDate.toString(), event.endDate.toString()];
      });
    const events = parse(await read(root, "dist/archive/events.ics"));
    expect(events).toEqual([
      [
        "2025-s2-1@lettre.datalab-normandie.fr",
        "Assises nationales de l'IA",
        "2025-10-09",
        "2025-10-10",
      ],
      [
        "2025-s2-2@lettre.datalab-normandie.fr",
        "Datathon Normandie 2025",
        "2025-11-05",
        "2025-12-10",
      ],
      [
        "2026-s1-1@lettre.datalab-normandie.fr",
        "Forum régional de la donnée",
        "2026-04-01",
        "2026-04-03",
      ],
      [
        "2026-s1-3-2@lettre.datalab-normandie.fr",
        "Rencontres IA et santé",
        "2026-06-18",
        "2026-06-19",
      ],
    ]);
    expect(parse(await read(root, "dist/archive/2026-s1/calendar/1.ics"))).toEqual([events[2]]);
    // Rebuilding gives the same calendar, byte for byte.
    const before = await read(root, "dist/archive/events.ics");
    await build({ root, today: TODAY });
    expect(await read(root, "dist/archive/events.ics")).toBe(before);
  });

  it("shows upcoming and past events, datathons and EU projects across issues", async () => {
    const root = await builtArchive();
    const events = await read(root, "dist/archive/events/index.html");
    const [upcoming, past] = events.split('<h2 id="past">');
    expect([...(upcoming ?? "").matchAll(/<h3>([^<]+)<\/h3>/g)].map((m) => m[1])).toEqual([
      "Forum régional de la donnée",
      "Webinaires de printemps",
      "Rencontres IA et santé",
    ]);
    expect([...(past ?? "").matchAll(/<h3>([^<]+)<\/h3>/g)].map((m) => m[1])).toEqual([
      "Datathon Normandie 2025",
      "Assises nationales de l&#x27;IA",
    ]);
    expect(upcoming).toContain('<a href="../2026-s1/#section-1">Dans la lettre\u00A0: Printemps');

    const datathons = await read(root, "dist/archive/datathons/index.html");
    expect(datathons).toContain("<h2>Datathon Normandie 2025</h2>");
    expect(datathons).toContain("<dt>Édition</dt><dd>3</dd>");
    expect(datathons).toContain('<a href="https://exemple.fr/laureat">Compétences à la carte</a>');

    const projects = await read(root, "dist/archive/projects/index.html");
    expect([...projects.matchAll(/<h2>([^<]+)<\/h2>/g)].map((m) => m[1])).toEqual([
      "BOOST AI",
      "DATA BRIDGE",
    ]);
    expect(projects).toContain("<dd>Université de Caen, TU Delft, KU Leuven</dd>");
    expect(projects).toContain("<dd>de janvier 2026 à décembre 2028</dd>");
    expect(projects).toContain("<dd>Interreg Europe du Nord-Ouest</dd>");
  });

  it("has a sitemap of every page, a robots.txt and a search index without drafts", async () => {
    const root = await builtArchive();
    const xml = new XMLParser().parse(await read(root, "dist/archive/sitemap.xml"));
    const urls = (xml.urlset.url as { loc: string; lastmod?: string }[]).map((u) => u.loc).sort();
    expect(urls).toEqual(
      [
        "",
        "2025-s1/",
        "2025-s2/",
        "2026-s1/",
        "datathons/",
        "events/",
        "projects/",
        "search/",
        "tags/",
        "tags/datathon/",
        "tags/europe/",
        "tags/evenements/",
      ].map((p) => `${SITE}/${p}`),
    );
    expect(await read(root, "dist/archive/robots.txt")).toContain(`Sitemap: ${SITE}/sitemap.xml`);
    const context: { window: { LETTRE_SEARCH?: { slug: string; text: string }[] } } = {
      window: {},
    };
    runInNewContext(await read(root, "dist/archive/search-index.js"), context);
    expect(context.window.LETTRE_SEARCH?.map((entry) => entry.slug)).toEqual([
      "2026-s1",
      "2025-s2",
      "2025-s1",
    ]);
    expect(context.window.LETTRE_SEARCH?.[1]?.text).toContain("Compétences à la carte");
  });

  // Regressions found in review: a tag with "<" broke feed.xml; tags differing by case were
  // listed three times; reference-style images were not published; search missed places.
  it("survives odd tags, reference-style images and finds every word shown", async () => {
    const root = await fixtureProject("archive");
    const source = await read(root, "newsletters/2025-s1.md");
    await put(
      root,
      "newsletters/2025-s1.md",
      source
        .replace("number: 11", "number: 11\ntags: [R&D <lab>, Europe, europe, Éurope]")
        .replace("Notre première lettre", "![logo][logo] Notre première lettre")
        .concat("\n[logo]: images/couverture.png\n"),
    );
    const result = await build({ root, today: TODAY });
    expect(result.diagnostics).toEqual([]);
    const atom = new XMLParser({ ignoreAttributes: false }).parse(
      await read(root, "dist/archive/feed.xml"),
    );
    const entry = atom.feed.entry.find((e: { title: { "#text": string } }) =>
      e.title["#text"].includes("Premier semestre"),
    );
    expect(entry.category.map((c: Record<string, string>) => [c["@_term"], c["@_label"]])).toEqual([
      ["r-d-lab", "R&D lab"],
      ["europe", "Europe"],
    ]);
    expect(atom.feed.author.name).toBe("DataLab Normandie");
    const page = await read(root, "dist/archive/2025-s1/index.html");
    expect(page.match(/href="\.\.\/tags\/europe\/"/g)).toHaveLength(1);
    expect(await read(root, "dist/archive/tags/index.html")).toContain(
      '<a href="europe/">Europe</a> <span class="count">(2 lettre(s))</span>',
    );
    expect(await readdir(path.join(root, "dist/archive/2025-s1/images"))).toEqual([
      "couverture.png",
    ]);
    const context: { window: { LETTRE_SEARCH?: { slug: string; text: string }[] } } = {
      window: {},
    };
    runInNewContext(await read(root, "dist/archive/search-index.js"), context);
    const s1 = context.window.LETTRE_SEARCH?.find((e) => e.slug === "2026-s1")?.text ?? "";
    expect(s1).toContain("Université de Caen");
    expect(s1).toContain("Région Normandie");
  });

  it("paginates past 20 issues, newest first", async () => {
    const files: Record<string, string> = {};
    for (let n = 1; n <= 23; n++) {
      const day = String(n).padStart(2, "0");
      files[`newsletters/n${day}.md`] =
        `---\ntitle: Lettre ${n}\ndate: 2025-01-${day}\nnumber: ${n}\n---\n`;
    }
    const root = await makeProject(files);
    expect((await build({ root, today: TODAY })).ok).toBe(true);
    const first = await read(root, "dist/archive/index.html");
    const second = await read(root, "dist/archive/page/2/index.html");
    const titles = (html: string) =>
      [...html.matchAll(/">Lettre (\d+)<\/a><\/h2>/g)].map((m) => Number(m[1]));
    expect(titles(first)).toEqual([
      23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4,
    ]);
    expect(titles(second)).toEqual([3, 2, 1]);
    expect(first).toContain('<a href="./page/2/" rel="next">Lettres plus anciennes</a>');
    expect(second).toContain('<a href="../../" rel="prev">Lettres plus récentes</a>');
    expect(second).toContain('<span aria-current="page">2</span>');
    expect(second).toContain("../../n03/");
  });

  it("names the issue, line and path of a missing image, and keeps the last good output", async () => {
    const root = await builtArchive();
    const before = await read(root, "dist/archive/index.html");
    const source = await read(root, "newsletters/2026-s1.md");
    await put(
      root,
      "newsletters/2026-s1.md",
      source
        .replace("images/couverture.png", "images/Couverture.png")
        .replace("Bonjour !", "Bonjour ! ![plan](images/plan.jpg)\n\n[L agenda](files/agenda.pdf)"),
    );
    const result = await build({ root, today: TODAY });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([
      "newsletters/2026-s1.md:7: image.src: « images/Couverture.png » introuvable : le fichier newsletters/images/Couverture.png n'existe pas (vérifiez le nom, les majuscules et le dossier)",
      "newsletters/2026-s1.md:35: body: « images/plan.jpg » introuvable : le fichier newsletters/images/plan.jpg n'existe pas (vérifiez le nom, les majuscules et le dossier)",
      "newsletters/2026-s1.md:37: body: « files/agenda.pdf » introuvable : le fichier newsletters/files/agenda.pdf n'existe pas (vérifiez le nom, les majuscules et le dossier)",
    ]);
    expect(await read(root, "dist/archive/index.html")).toBe(before);
  });
});
