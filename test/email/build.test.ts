import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../src/core/diagnostic.ts";
import { build } from "../../src/pipeline/index.ts";
import { builtin, fixtureProject, makeProject, put, read } from "../helpers.ts";

const NNBSP = "\u202F";

function fullProject() {
  return fixtureProject("full");
}

function count(text: string, part: string): number {
  return text.split(part).length - 1;
}

describe("lettre build, through the real pipeline", () => {
  it("writes an inbox-ready email with every section type", async () => {
    const root = await fullProject();
    const result = await build({ root });
    expect(result.diagnostics).toEqual([]);
    expect(result.ok).toBe(true);
    expect((await readdir(path.join(root, "dist/email"))).sort()).toEqual([
      "2026-s1.html",
      "2026-s1.txt",
    ]);
    const html = await read(root, "dist/email/2026-s1.html");

    // Document, preheader, links
    expect(html).toMatch(/^<!doctype html><html lang="fr"/);
    expect(html).toContain(">Un aperçu de chaque type de section.&#847;&zwnj;&nbsp;");
    expect(html).toContain('href="https://lettre.datalab-normandie.fr/2026-s1/"');
    expect(html).toContain('href="{{unsubscribeUrl}}"');
    expect(html).toContain('<meta name="color-scheme" content="light dark">');
    expect(html).toContain("prefers-color-scheme: dark");
    // Images: absolute URLs, alt text
    expect(html).toMatch(
      /src="https:\/\/lettre\.datalab-normandie\.fr\/2026-s1\/images\/couverture\.jpg"[^>]*|alt="Une salle de conférence pleine"/,
    );
    expect(html).toContain('alt="Une salle de conférence pleine"');
    expect(html).toContain(
      'src="https://lettre.datalab-normandie.fr/2026-s1/images/couverture.jpg"',
    );
    expect(html).toContain('alt="L&#x27;équipe du projet"');
    // event
    expect(html).toContain("Rencontre régionale de la donnée");
    expect(html).toContain("du 1er au 2 avril 2026");
    expect(html).toContain(`1${NNBSP}631 participants`);
    expect(html).toContain("Organisé par Région Normandie");
    // datathon
    expect(html).toContain("du 5 mai au 9 juin 2026");
    expect(html).toContain("8 équipes");
    expect(html).toContain("Édition 4");
    expect(html).toContain('<a href="https://exemple.fr/laureat"');
    // eu-project
    expect(html).toContain("DATA BRIDGE");
    expect(html).toContain("Université de Caen, TU Delft, KU Leuven");
    expect(html).toContain("de janvier 2026 à décembre 2028");
    // agenda
    expect(html).toContain("septembre 2026");
    expect(html).toContain("15 octobre 2026");
    // article, with its GFM table
    expect(html).toContain("Un projet accompagné");
    expect(html).toMatch(/<td[^>]*>Entreprises<\/td>/);
    // French typography in the intro
    expect(html).toContain(`Bonjour${NNBSP}!`);
    // Sanitised: nothing executable survived
    expect(html).not.toMatch(/<script|onclick|onerror|javascript:|<iframe/i);
    expect(html).toContain("lien piégé");
    // Minified: a handful of lines (Outlook conditional comments), not thousands
    expect(html.split("\n").length).toBeLessThan(60);
    // CSS minified too (cssnano ran): no space before !important, none after selectors
    expect(html).toContain("#outlook a{padding:0}");
    expect(html).toContain(".dm-card a{color:#8cc4ff!important}");
    expect(html).not.toContain("lettre:begin");
  });

  it("writes a plain-text part that reads well and keeps every link once", async () => {
    const root = await fullProject();
    await build({ root });
    const text = await read(root, "dist/email/2026-s1.txt");
    expect(text).toContain("Lettre d'essai");
    expect(text).toContain(" - premier point\n");
    expect(text).toContain(" - second point avec un lien <https://exemple.fr/lien>");
    expect(text).toMatch(/Entreprises +120\n/);
    expect(text).toMatch(/Budget +271\u00A0M€/);
    expect(text).toContain("En savoir plus <https://exemple.fr/rencontre>");
    expect(text).toContain("<{{unsubscribeUrl}}>");
    expect(count(text, "https://exemple.fr/lien")).toBe(1);
    expect(count(text, "https://lettre.datalab-normandie.fr/2026-s1/")).toBe(1);
    // No preheader, no markup, no script body
    expect(text).not.toContain("Un aperçu de chaque type de section.");
    expect(text).not.toMatch(/<\/?[a-z]+[ >]|alert|\{\{#/);
    expect(text).not.toMatch(/\n{3,}/);
  });

  it("keeps the last good output when a build fails", async () => {
    const root = await fullProject();
    expect((await build({ root })).ok).toBe(true);
    const before = await read(root, "dist/email/2026-s1.html");
    const good = await read(root, "newsletters/2026-s1.md");

    await put(
      root,
      "newsletters/2026-s1.md",
      good.replace("Rencontre régionale", "Rencontre changée"),
    );
    await put(root, "newsletters/broken.md", "---\ntitle: Cassée\ndate: 2026-02-30\n---\n");
    const failed = await build({ root });
    expect(failed.ok).toBe(false);
    expect(failed.written).toBe(false);
    expect(failed.diagnostics.map(formatDiagnostic)).toEqual([
      "newsletters/broken.md:3: date: « 2026-02-30 » n'est pas une date du calendrier : écrivez AAAA-MM-JJ, par exemple 2025-12-15",
    ]);
    expect(await read(root, "dist/email/2026-s1.html")).toBe(before);
    expect((await readdir(path.join(root, "dist"))).sort()).toEqual([
      ".lettre-output",
      "archive",
      "email",
    ]);

    // A broken template fails the same way.
    await put(root, "newsletters/broken.md", "---\ntitle: Réparée\ndate: 2026-02-28\n---\n");
    await put(root, "templates/email/partials/intro.hbs", "{{#if issue.body}}");
    expect((await build({ root })).ok).toBe(false);
    expect(await read(root, "dist/email/2026-s1.html")).toBe(before);
  });

  it("replaces the output whole: a deleted issue disappears", async () => {
    const root = await fullProject();
    await put(root, "newsletters/other.md", "---\ntitle: Autre\ndate: 2026-01-01\n---\nTexte.\n");
    await build({ root });
    expect((await readdir(path.join(root, "dist/email"))).length).toBe(4);
    const { rm } = await import("node:fs/promises");
    await rm(path.join(root, "newsletters/other.md"));
    await build({ root });
    expect((await readdir(path.join(root, "dist/email"))).sort()).toEqual([
      "2026-s1.html",
      "2026-s1.txt",
    ]);
  });

  it("check validates and writes nothing; drafts are built only when asked", async () => {
    const root = await fullProject();
    await put(
      root,
      "newsletters/draft.md",
      "---\ntitle: Brouillon\ndate: 2026-01-01\ndraft: true\n---\n",
    );
    const checked = await build({ root, write: false });
    expect(checked.ok).toBe(true);
    expect(checked.drafts).toEqual(["draft"]);
    await expect(stat(path.join(root, "dist"))).rejects.toThrow();
    const withDrafts = await build({ root, drafts: true });
    expect(withDrafts.emails.map((e) => e.issue.slug)).toEqual(["2026-s1", "draft"]);
  });

  it("warns past Gmail's 102 KB clip, and --strict fails", async () => {
    const paragraph = "Un paragraphe assez long pour remplir la lettre. ".repeat(40);
    const body = Array.from({ length: 60 }, () => paragraph).join("\n\n");
    const root = await makeProject({
      "newsletters/long.md": `---\ntitle: Longue\ndate: 2026-01-01\n---\n${body}\n`,
    });
    const loose = await build({ root });
    expect(loose.ok).toBe(true);
    expect(loose.diagnostics.map((d) => [d.severity, d.rule, d.file])).toEqual([
      ["warning", "email-size", "newsletters/long.md"],
    ]);
    expect(loose.emails[0]?.email.bytes).toBeGreaterThan(102 * 1024);
    await put(root, "newsletters/long.md", "---\ntitle: Courte\ndate: 2026-01-01\n---\nOK\n");
    const shortHtml = (await build({ root })).emails[0]?.email.html;
    await put(root, "newsletters/long.md", `---\ntitle: Longue\ndate: 2026-01-01\n---\n${body}\n`);
    const strict = await build({ root, strict: true });
    expect(strict.ok).toBe(false);
    expect(await read(root, "dist/email/long.html")).toBe(shortHtml);
  });

  // Regression: an empty layout used to "succeed" and replace dist/email/ with an empty folder.
  it("refuses a layout that produces no email or drops the required links", async () => {
    const root = await fullProject();
    expect((await build({ root })).ok).toBe(true);
    const before = await read(root, "dist/email/2026-s1.html");
    const attempts: [string, string][] = [
      ["", "template-empty"],
      ["hello", "template-empty"],
      ["<mjml><mj-body><mj-section></mj-section></mj-body></mjml>", "email-unsubscribe"],
      [
        "<mjml><mj-body><mj-section><mj-column><mj-text>{{unsubscribeUrl}}</mj-text></mj-column></mj-section></mj-body></mjml>",
        "email-view-online",
      ],
    ];
    for (const [layout, rule] of attempts) {
      await put(root, "templates/email/layout.mjml.hbs", layout);
      const result = await build({ root });
      expect(result.ok).toBe(false);
      expect(result.diagnostics.map((d) => [d.file, d.rule])).toEqual([
        ["templates/email/layout.mjml.hbs", rule],
      ]);
    }
    expect(await read(root, "dist/email/2026-s1.html")).toBe(before);
  });

  it("reports Markdown too deep to render against the issue, not the template", async () => {
    const root = await makeProject({
      "newsletters/deep.md": `---\ntitle: Profonde\ndate: 2026-01-01\n---\n${">".repeat(20000)} x\n`,
    });
    const result = await build({ root });
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([
      "newsletters/deep.md:5: body: listes ou citations imbriquées sur 20000 niveaux (au plus 20) : simplifiez ce passage",
    ]);
  });

  it("points an MJML error at the template and the section that produced it", async () => {
    const root = await fullProject();
    const file = "templates/email/sections/datathon.hbs";
    const source = await builtin(file);
    await put(
      root,
      file,
      source.replace('<mj-text css-class="content">', '<mj-text colour="red">'),
    );
    const result = await build({ root });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([
      "templates/email/sections/datathon.hbs:5: MJML : Attribute colour is illegal (dans la section sections[1], gabarit templates/email/sections/datathon.hbs) (newsletters/2026-s1.md:21)",
    ]);
  });
});
