import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../src/core/diagnostic.ts";
import { build } from "../../src/pipeline/index.ts";
import { lettre } from "../cli.ts";
import { makeProject, put } from "../helpers.ts";

const ISSUE = `---
title: Lettre
date: 2026-01-15
sections:
  - type: article
    title: Article
    body: |
      Premier paragraphe.

      <p>
        <img src="https://x.org/sans-alt.png" width="100">
      </p>
  - type: datathon
    title: Datathon
    theme: Données
    start: 2025-11-05
    end: 2025-12-09
    winner:
      name: Équipe
      body: "Photo : <img src='https://x.org/podium.png'>"
  - type: agenda
    items:
      - date: 2026-02-12
        title: Atelier
        body: |
          ![](https://x.org/atelier.png)
---
Intro avec une image décorative <img src="https://x.org/filet.png" alt=""> et une décrite
![Une salle pleine](https://x.org/salle.png), un alt vide ![ ](https://x.org/vide.png)
et enfin <IMG SRC="https://x.org/majuscules.png" data-alt="pas un alt">.
`;

const RAW =
  'sans texte alternatif : ajoutez alt="…" décrivant l\'image pour les lecteurs d\'écran (alt="" si elle est purement décorative)';

describe("images without alternative text", () => {
  it("warn with the file, the line and the field, in every Markdown text", async () => {
    const root = await makeProject({ "newsletters/2026-s1.md": ISSUE });
    const result = await build({ root });
    expect(result.ok).toBe(true);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([
      "newsletters/2026-s1.md:29: body: image « https://x.org/vide.png » sans texte alternatif : décrivez-la entre les crochets, ![ce que montre l'image](https://x.org/vide.png)",
      `newsletters/2026-s1.md:30: body: image « https://x.org/majuscules.png » ${RAW}`,
      `newsletters/2026-s1.md:11: sections[0].body: image « https://x.org/sans-alt.png » ${RAW}`,
      `newsletters/2026-s1.md:20: sections[1].winner.body: image « https://x.org/podium.png » ${RAW}`,
      "newsletters/2026-s1.md:26: sections[2].items[0].body: image « https://x.org/atelier.png » sans texte alternatif : décrivez-la entre les crochets, ![ce que montre l'image](https://x.org/atelier.png)",
    ]);
    expect(result.diagnostics.every((d) => d.severity === "warning")).toBe(true);
    expect((await build({ root, strict: true })).ok).toBe(false);
  });

  it("are printed by lettre build, which --strict fails", async () => {
    const root = await makeProject({
      "newsletters/2026-s1.md":
        '---\ntitle: Lettre\ndate: 2026-01-15\n---\nLogo : <img src="https://x.org/logo.png">\n',
    });
    const english = { env: { LETTRE_LANG: "en" } };
    const built = await lettre(root, ["build"], english).done;
    expect(built.stdout + built.stderr).toContain(
      'newsletters/2026-s1.md:5: body: image "https://x.org/logo.png" has no alternative text: add alt="…"',
    );
    expect((await lettre(root, ["build", "--strict"], english).done).code).toBe(1);
  });

  it("reads raw HTML with a real parser: data-src is not a src, a > inside alt does not end the tag", async () => {
    const root = await makeProject({
      "newsletters/2026-s1.md": `---
title: Lettre
date: 2026-01-15
---
<img src="images/logo.png" data-src="ailleurs.png" alt="Logo">

<img alt="a > b" src="images/absente.png">
`,
    });
    await put(root, "newsletters/images/logo.png", "png");
    const result = await build({ root });
    expect(result.diagnostics.map((d) => [d.line, d.rule, d.message.includes("absente")])).toEqual([
      [7, "asset-missing", true],
    ]);
  });
});
