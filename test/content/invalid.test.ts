import { describe, expect, it } from "vitest";
import { parseIssue } from "../../src/content/index.ts";
import { formatDiagnostic } from "../../src/core/diagnostic.ts";
import { setLocale } from "../../src/core/i18n.ts";
import { fixture } from "../helpers.ts";

/** Each invalid fixture, and the exact lines an editor sees for it. */
const CASES: Record<string, string[]> = {
  "missing-title.md": [
    "newsletters/missing-title.md:2: title: champ obligatoire manquant : ajoutez « title: … »",
  ],
  "bad-date.md": [
    "newsletters/bad-date.md:3: date: « 2025-02-30 » n'est pas une date du calendrier : écrivez AAAA-MM-JJ, par exemple 2025-12-15",
  ],
  "end-before-start.md": [
    "newsletters/end-before-start.md:12: sections[1].end: ne doit pas être avant start (2025-11-05)",
  ],
  "unknown-section.md": [
    "newsletters/unknown-section.md:5: sections[0].type: type de section inconnu « evnt » (vouliez-vous dire « event » ?) ; types connus : event, datathon, eu-project, agenda, article",
  ],
  "unknown-field.md": [
    "newsletters/unknown-field.md:6: sections[0].titel: champ inconnu « titel » (vouliez-vous dire « title » ?) ; champs possibles : type, title, body, image, url",
  ],
  "yaml-syntax.md": [
    "newsletters/yaml-syntax.md:4: guillemet ouvert jamais fermé : ajoutez le guillemet qui manque à la fin de la valeur",
  ],
  "js-engine.md": [
    "newsletters/js-engine.md:1: en-tête « ---js » refusé : l'en-tête contient uniquement des données YAML ; commencez le fichier par « --- » seul",
  ],
  "bad-url.md": [
    "newsletters/bad-url.md:8: sections[0].url: « javascript:alert(document.cookie) » n'est pas un lien accepté : seuls https://, http:// et mailto: sont permis",
  ],
  "wrong-type.md": [
    "newsletters/wrong-type.md:8: sections[0].attendees: doit être un nombre (trouvé : un texte « beaucoup »)",
  ],
  "missing-alt.md": [
    "newsletters/missing-alt.md:4: image.alt: texte alternatif manquant : ajoutez « alt: » qui décrit l'image pour les lecteurs d'écran",
  ],
  "alias-bomb.md": [
    "newsletters/alias-bomb.md:2: trop de références YAML (*alias) : au plus 50 sont permises, écrivez les valeurs en clair",
  ],
  "Bad_Slug.md": [
    "newsletters/Bad_Slug.md:1: slug: le nom de fichier « Bad_Slug.md » n'est pas valable : minuscules, chiffres et tirets seulement (renommez-le par exemple « bad-slug.md »)",
  ],
  "duplicate-key.md": [
    "newsletters/duplicate-key.md:4: ce champ apparaît deux fois : gardez-en un seul",
  ],
  "empty-agenda.md": [
    "newsletters/empty-agenda.md:7: sections[0].items: doit contenir au moins 1 élément(s)",
    "newsletters/empty-agenda.md:10: sections[1].items[0].date: champ obligatoire manquant : ajoutez « date: … »",
  ],
  "french-colon.md": [
    'newsletters/french-colon.md:2: la valeur contient « : » : mettez-la entre guillemets doubles, par exemple title: "Assises : le bilan"',
  ],
  "apostrophe-quotes.md": [
    'newsletters/apostrophe-quotes.md:2: guillemets mal placés : entourez la valeur de guillemets doubles, par exemple title: "L\'IA au cœur des territoires"',
  ],
  "markdown-emphasis.md": [
    'newsletters/markdown-emphasis.md:4: « *data* » en début de valeur est lu comme une référence YAML : mettez la valeur entre guillemets doubles, par exemple "*data*"',
  ],
  "ampersand-anchor.md": [
    "newsletters/ampersand-anchor.md:4: « &Nouveau » en début de valeur est lu comme une ancre YAML et disparaîtrait : mettez la valeur entre guillemets doubles",
  ],
  // Regression: names every JavaScript object has crashed the run ("safeParse is not a function").
  "builtin-section-type.md": [
    "newsletters/builtin-section-type.md:5: sections[0].type: type de section inconnu « toString » ; types connus : event, datathon, eu-project, agenda, article",
    "newsletters/builtin-section-type.md:6: sections[1].type: type de section inconnu « __proto__ » ; types connus : event, datathon, eu-project, agenda, article",
  ],
  // Regression: only the first unknown field was reported; unions said "Invalid input".
  "several-unknown-fields.md": [
    "newsletters/several-unknown-fields.md:3: titre: champ inconnu « titre » (vouliez-vous dire « title » ?) ; champs possibles : title, date, number, preheader, lang, tags, draft, image, sections",
    "newsletters/several-unknown-fields.md:5: auteur: champ inconnu « auteur » ; champs possibles : title, date, number, preheader, lang, tags, draft, image, sections",
    "newsletters/several-unknown-fields.md:12: sections[0].edition: doit être un nombre ou un texte",
  ],
  // Regression: an issue named like an archive folder replaced that page.
  "events.md": [
    "newsletters/events.md:1: slug: le nom de fichier « events.md » est pris par une page de l'archive web (assets, datathons, events, page, projects, search, tags) : renommez-le, par exemple en lui ajoutant l'année",
  ],
  "no-front-matter.md": [
    "newsletters/no-front-matter.md:1: l'en-tête manque : le fichier doit commencer par une ligne « --- », puis les champs (title:, date:…), puis une ligne « --- »",
  ],
};

describe("invalid issues", () => {
  for (const [name, expected] of Object.entries(CASES)) {
    it(`reports ${name} with file, line and field`, async () => {
      const { issue, diagnostics } = parseIssue(
        await fixture("invalid", name),
        `newsletters/${name}`,
        "fr",
      );
      expect(issue).toBeUndefined();
      expect(diagnostics.map(formatDiagnostic)).toEqual(expected);
    });
  }

  it("never evaluates ---js front matter", async () => {
    parseIssue(await fixture("invalid", "js-engine.md"), "newsletters/js-engine.md", "fr");
    expect((globalThis as { lettrePwned?: boolean }).lettrePwned).toBeUndefined();
  });

  it("reports every error of a file together, in English when asked", () => {
    setLocale("en");
    const source = [
      "---",
      "title: Lettre",
      "date: 2025-13-01",
      "draft: maybe",
      "sections:",
      "  - type: article",
      "    title: A",
      "  - type: eu-project",
      "    name: X",
      "    programme: Interreg",
      "    start: 2026-01",
      "    end: 2025-06",
      "---",
    ].join("\n");
    const { diagnostics } = parseIssue(source, "newsletters/x.md", "fr");
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      'newsletters/x.md:3: date: "2025-13-01" is not a calendar date: write YYYY-MM-DD, e.g. 2025-12-15',
      "newsletters/x.md:4: draft: must be true or false (found: a text « maybe »)",
      "newsletters/x.md:6: sections[0].body: required field is missing: add `body: …`",
      "newsletters/x.md:12: sections[1].end: must not be before start (2026-01)",
    ]);
  });

  it("accepts a month end after a day start in the same month", () => {
    const source =
      "---\ntitle: L\ndate: 2025-12-15\nsections:\n  - type: eu-project\n    name: X\n    programme: P\n    start: 2025-03-15\n    end: 2025-03\n---\n";
    expect(parseIssue(source, "newsletters/x.md", "fr").diagnostics).toEqual([]);
  });

  it("warns about a preheader past 150 characters but keeps the issue", () => {
    const source = `---\ntitle: Lettre\ndate: 2025-12-15\npreheader: "${"x".repeat(151)}"\n---\n`;
    const { issue, diagnostics } = parseIssue(source, "newsletters/x.md", "fr");
    expect(issue?.slug).toBe("x");
    expect(diagnostics.map((d) => [d.severity, d.line, d.field, d.rule])).toEqual([
      ["warning", 4, "preheader", "preheader-long"],
    ]);
  });
});
