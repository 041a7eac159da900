/**
 * Regression (issue 8): a 50 MB body built with 3.7 GB of memory, and 40 000 nested
 * brackets took a minute. Issue and config files have a size limit, checked before reading
 * them whole; Markdown that would take the parser minutes fails at once, with its line.
 */
import { readFile, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.ts";
import { loadIssues, parseIssue } from "../../src/content/index.ts";
import { formatDiagnostic } from "../../src/core/diagnostic.ts";
import { CONFIG, makeProject, put, REPO } from "../helpers.ts";

const HEAD = "---\ntitle: Lettre\ndate: 2026-01-15\n---\n";

/** Diagnostics of an issue whose Markdown body (line 5 on) is `body`. */
function check(body: string, head = HEAD): string[] {
  return parseIssue(`${head}${body}\n`, "newsletters/x.md", "fr").diagnostics.map(formatDiagnostic);
}

const MARKUP =
  "paragraphe trop chargé en signes de mise en forme ({count} signes parmi * _ ~ ` [ ] < & ! \\ sur {chars} caractères) : sa mise en page prendrait des minutes ; séparez-le en paragraphes par des lignes vides ou retirez ces signes";

describe("size limits", () => {
  it("refuses an issue over 256 KB, and a 50 MB one, without reading it whole", async () => {
    const paragraph =
      "Ce semestre a été marqué par de **nombreux** événements, [voir](https://x.org).\n\n";
    const root = await makeProject({
      "newsletters/gros.md": HEAD + paragraph.repeat(Math.ceil((300 * 1024) / paragraph.length)),
      "newsletters/ok.md": HEAD + paragraph.repeat(100),
    });
    await put(root, "newsletters/enorme.md", "");
    await truncate(path.join(root, "newsletters/enorme.md"), 50 * 1024 * 1024);
    const result = await loadIssues(root, { defaultLang: "fr" });
    expect(result.issues.map((issue) => issue.slug)).toEqual(["ok"]);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([
      "newsletters/enorme.md: fichier de 50 Mo, au-delà de la limite de 256 Ko : un e-mail est coupé par Gmail bien avant (102 Ko) ; découpez ce numéro en plusieurs ou allégez-le",
      expect.stringMatching(
        /^newsletters\/gros\.md: fichier de 3\d\d,\d Ko, au-delà de la limite de 256 Ko : /,
      ),
    ]);
  });

  it("refuses a lettre.config.yaml over 256 KB", async () => {
    const root = await makeProject();
    const config = await readFile(path.join(root, "lettre.config.yaml"), "utf8");
    await writeFile(
      path.join(root, "lettre.config.yaml"),
      `${config}\n# ${"commentaire ".repeat(30_000)}\n`,
    );
    const { value, diagnostics } = await loadConfig(root);
    expect(value).toBeUndefined();
    expect(diagnostics.map((d) => [d.file, d.rule])).toEqual([
      ["lettre.config.yaml", "file-too-big"],
    ]);
    // Said as what it is: not an issue to split.
    expect(diagnostics[0]?.message).toMatch(
      /^fichier de 3\d\d,\d Ko, au-delà de la limite de 256 Ko pour un fichier de réglages ou un gabarit/,
    );
    expect(diagnostics[0]?.message).not.toContain("Gmail");
  });
});

describe("front matter nested by the thousand", () => {
  it("is a message with its line, not the parser's stack overflow", () => {
    const deep = `---\ntitle: T\ndate: 2026-01-15\ntags: ${"[".repeat(20_000)}${"]".repeat(20_000)}\n---\nBonjour.\n`;
    expect(parseIssue(deep, "newsletters/x.md", "fr").diagnostics.map(formatDiagnostic)).toEqual([
      "newsletters/x.md:4: valeur imbriquée trop profondément (des milliers de [ ou de { ?) : une valeur de l'en-tête tient en quelques niveaux ; corrigez cette ligne",
    ]);
  });
});

describe("Markdown the parser would take minutes over", () => {
  it("refuses lists nested by indentation, with the line", () => {
    const staircase = Array.from({ length: 200 }, (_, i) => `${"  ".repeat(i)}- niveau ${i}`);
    expect(check(`Intro.\n\n${staircase.join("\n")}`)).toEqual([
      "newsletters/x.md:27: body: listes ou citations imbriquées sur 21 niveaux (au plus 20) : simplifiez ce passage",
    ]);
    expect(check(`${"1. ".repeat(2000)}x`)).toEqual([
      "newsletters/x.md:5: body: listes ou citations imbriquées sur 2000 niveaux (au plus 20) : simplifiez ce passage",
    ]);
  });

  it("points at the line inside a `body: |` block of a section", () => {
    const head = `---\ntitle: Lettre\ndate: 2026-01-15\nsections:\n  - type: article\n    title: Article\n    body: |\n      Premier paragraphe.\n\n      ${"> ".repeat(30)}citation\n---\n`;
    expect(check("Intro.", head)).toEqual([
      "newsletters/x.md:10: sections[0].body: listes ou citations imbriquées sur 30 niveaux (au plus 20) : simplifiez ce passage",
    ]);
  });

  it("refuses brackets, emphasis, comments and code marks piled up in one paragraph", () => {
    const cases: [string, number, number][] = [
      ["[".repeat(40_000), 40_000, 40_001],
      ["[".repeat(20_000) + "]".repeat(20_000), 40_000, 40_001],
      ["a ] ".repeat(16_000), 16_000, 64_000],
      ["*a** ".repeat(4000), 12_000, 20_000],
      ["a <!-- ".repeat(4000), 8000, 28_000],
      [Array.from({ length: 400 }, (_, i) => "`".repeat(i + 1)).join("a"), 80_200, 80_600],
    ];
    for (const [text, count, chars] of cases) {
      // The largest ones are also over the issue's budget of marks: said too.
      expect(check(`Intro.\n\n${text}`)).toContain(
        `newsletters/x.md:7: body: ${MARKUP.replace("{count}", String(count)).replace("{chars}", String(chars))}`,
      );
    }
  });

  it("refuses sub-lists by the thousand, and more lines or marks than an email can hold", () => {
    expect(check("- a\n  - b\n".repeat(1001))).toEqual([
      "newsletters/x.md:2006: body: trop de sous-listes ou de citations imbriquées (1001 lignes, au plus 1000 dans un numéro) : sa mise en page prendrait des minutes ; mettez ces éléments à plat ou répartissez-les en plusieurs numéros",
    ]);
    expect(check("- a\n  - b\n".repeat(1000))).toEqual([]);
    expect(check("- a\n".repeat(64_000))).toEqual([
      "newsletters/x.md:3005: body: trop de lignes de texte (lignes, éléments de liste, cases de tableau) dans ce numéro : au plus 3000 ; Gmail coupe l'e-mail bien avant ; découpez ce numéro en plusieurs",
    ]);
    expect(check(`| a | b |\n| - | - |\n${"| c | d |\n".repeat(1000)}`)).toContainEqual(
      expect.stringMatching(/^newsletters\/x\.md:755: body: trop de lignes de texte/),
    );
    expect(check("**a** **b** *c* _d_ ~~e~~ [f](https://x.org)\n\n".repeat(1200))).toEqual([
      "newsletters/x.md:2227: body: trop de signes de mise en forme (liens, gras, italique…) dans ce numéro : au plus 20000 ; découpez ce numéro en plusieurs",
    ]);
  });

  it("holds the config's footer, Markdown on every email and page, to the same limits", async () => {
    // 20 000 one-word list items: 120 KB, under the size limit; a minute to render.
    const config = await readFile(CONFIG, "utf8");
    const footer = `footer: |\n${"  - a\n".repeat(20_000)}`;
    const root = await makeProject({
      "newsletters/2026-s1.md": `${HEAD}Bonjour.\n`,
    });
    await writeFile(
      path.join(root, "lettre.config.yaml"),
      config.replace(/^footer: \|\n(?: {2}.*\n)+/m, footer),
    );
    const footerLine = 1 + config.split("\n").findIndex((line) => line.startsWith("footer:"));
    const result = await loadConfig(root);
    expect(result.value).toBeUndefined();
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([
      `lettre.config.yaml:${footerLine + 1 + 3000}: footer: le pied de page est trop long ou trop chargé en mise en forme (listes imbriquées, milliers de lignes ou de signes * _ [ ]) : sa mise en page prendrait des minutes à chaque e-mail et chaque page ; raccourcissez-le à quelques paragraphes`,
    ]);
  });

  it("accepts real texts: the example issue, and this repository's README as a body", async () => {
    const example = await readFile(path.join(REPO, "newsletters", "2025-s2.md"), "utf8");
    expect(parseIssue(example, "newsletters/2025-s2.md", "fr").diagnostics).toEqual([]);
    const readme = await readFile(path.join(REPO, "README.md"), "utf8");
    expect(check(readme)).toEqual([]);
    // About 2,000 lines of it, two-thirds of the limit, however long the README grows.
    const times = Math.max(1, Math.floor(2000 / readme.split("\n").length));
    expect(check(readme.repeat(times))).toEqual([]);
  });
});
