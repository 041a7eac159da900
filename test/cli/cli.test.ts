import { cp, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../cli.ts";
import { makeProject, put, REPO, read } from "../helpers.ts";

describe("the lettre command", () => {
  it("builds the repository's example issue", async () => {
    const root = await makeProject();
    await cp(path.join(REPO, "newsletters"), path.join(root, "newsletters"), { recursive: true });
    const { code, stdout, stderr } = await run(root, "build");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^1 lettre\(s\) construite\(s\) dans dist\/email\n {2}dist\/email\/2025-s2\.html {2}\d+,\d Ko, texte \d+,\d Ko\narchive web : dist\/archive\/ \(10 pages, flux Atom et JSON, agenda \.ics, plan du site\)\n$/,
    );
    const html = await read(root, "dist/email/2025-s2.html");
    expect(html).toContain("BOOST AI");
    expect(html).toContain("du 5 novembre au 9 décembre 2025");
    expect(html).toContain("12 février 2026");
  });

  it("reports every error with its line, exit 1, no stack trace", async () => {
    const root = await makeProject({
      "newsletters/a.md": "---\ntitle: A\ndate: 2025-12-32\n---\n",
      "newsletters/b.md": "---\ntitle: B\ndate: 2025-12-01\nsections:\n  - type: agenda\n---\n",
    });
    const { code, stdout, stderr } = await run(root, "build");
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      [
        "newsletters/a.md:3: date: « 2025-12-32 » n'est pas une date du calendrier : écrivez AAAA-MM-JJ, par exemple 2025-12-15",
        "newsletters/b.md:5: sections[0].items: champ obligatoire manquant : ajoutez « items: … »",
        "2 erreur(s) : rien n'a été écrit, la sortie précédente est conservée",
        "",
      ].join("\n"),
    );
    const english = await run(root, "check", "--lang", "en");
    expect(english.stderr).toContain(
      'newsletters/a.md:3: date: "2025-12-32" is not a calendar date',
    );
    expect(english.stderr).not.toContain("    at ");
    await put(root, "newsletters/c.md", "---\ntitle: [C\n---\n");
    const debug = await run(root, "check", "--debug");
    expect(debug.stderr).toContain(
      "newsletters/c.md:2: liste [ … ] ou groupe { … } jamais fermé : ajoutez le ] ou le } qui manque",
    );
    expect(debug.stderr).toMatch(/\n\s+at /);
  });

  it("scaffolds a new issue that checks, as a draft", async () => {
    const root = await makeProject();
    const created = await run(root, "new", "2026-s1");
    expect(created.code).toBe(0);
    expect(created.stdout).toContain("newsletters/2026-s1.md créé");
    const source = await readFile(path.join(root, "newsletters/2026-s1.md"), "utf8");
    for (const type of ["event", "datathon", "eu-project", "agenda", "article"]) {
      expect(source).toContain(`# - type: ${type}`);
    }
    const checked = await run(root, "check");
    expect(checked.code).toBe(0);
    expect(checked.stderr).toContain(
      "1 brouillon(s) ignoré(s) (--drafts pour les inclure) : 2026-s1",
    );
    // Uncommenting every section gives a valid issue too.
    await put(root, "newsletters/2026-s1.md", source.replace(/^( {2,6})# /gm, "$1"));
    await put(root, "newsletters/images/projet.jpg", "an image");
    const full = await run(root, "build", "--drafts");
    expect(full.stderr).toBe("");
    expect(full.code).toBe(0);
    expect(await read(root, "dist/email/2026-s1.html")).toContain("Datathon Normandie");
    expect((await run(root, "new", "2026-s1")).code).toBe(1);
    expect((await run(root, "new", "Mon Numéro")).stderr).toContain("« mon-numero.md »");
  });

  it("says what is wrong with the command line", async () => {
    const root = await makeProject();
    const typo = await run(root, "biuld");
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("commande inconnue « biuld » (vouliez-vous dire « build » ?)");
    const option = await run(root, "build", "--straict");
    expect(option.code).toBe(2);
    expect(option.stderr).toContain(
      "option inconnue « --straict » (vouliez-vous dire « --strict » ?)",
    );
    const extra = await run(root, "check", "build");
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain("argument en trop « build » : la commande check n'en prend pas");
    await put(root, "sortie", "un fichier");
    const out = await run(root, "build", "--out", "sortie");
    expect(out.code).toBe(1);
    expect(out.stderr).toBe(
      "sortie: le dossier de sortie est un fichier : choisissez un autre --out ou supprimez ce fichier\n",
    );
    const missing = await run(root, "check", "--root", "projet-absent");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      "--root : le dossier « projet-absent » n'existe pas (ou n'est pas un dossier) : donnez le dossier du projet, celui qui contient lettre.config.yaml\n",
    );
  });
});
