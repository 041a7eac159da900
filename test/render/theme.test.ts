import { createHash } from "node:crypto";
import { cp, mkdir, readdir, readFile, realpath, rm, symlink } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { formatDiagnostic } from "../../src/core/diagnostic.ts";
import { setLocale } from "../../src/core/i18n.ts";
import { build } from "../../src/pipeline/index.ts";
import { loadTemplates } from "../../src/render/index.ts";
import { run } from "../cli.ts";
import { builtin, CONFIG, makeProject, put, REPO, read } from "../helpers.ts";

const TODAY = "2025-12-01";

/** A project holding the repository's example issue. */
async function example(options: { theme?: boolean } = {}) {
  const root = await makeProject({}, options);
  await cp(path.join(REPO, "newsletters"), path.join(root, "newsletters"), { recursive: true });
  return root;
}

describe("the built-in theme and a project's overrides", () => {
  it("a project with no templates/ uses the built-in theme, and names its files where they are", async () => {
    const root = await makeProject();
    const { templates, diagnostics } = await loadTemplates(root);
    expect(diagnostics).toEqual([]);
    expect(templates?.email.sources.get("templates/email/layout.mjml.hbs")).toBe(
      await builtin("templates/email/layout.mjml.hbs"),
    );
    expect(templates?.email.shown("templates/email/layout.mjml.hbs")).toBe(
      path.join(REPO, "templates/email/layout.mjml.hbs"),
    );
    await put(root, "templates/email/partials/header.hbs", "<mj-raw></mj-raw>");
    const again = await loadTemplates(root);
    expect(again.templates?.email.shown("templates/email/partials/header.hbs")).toBe(
      "templates/email/partials/header.hbs",
    );
    // A file of the project's that cannot be read is said, not replaced by the built-in.
    await rm(path.join(root, "templates/email/partials/header.hbs"));
    await symlink("nulle-part.hbs", path.join(root, "templates/email/partials/header.hbs"));
    expect((await loadTemplates(root)).diagnostics.map((d) => [d.file, d.rule])).toEqual([
      ["templates/email/partials/header.hbs", "file-read"],
    ]);
  });

  it("builds the same email as the repository's example, byte for byte but for the config", async () => {
    // The repository's way: every template in the project.
    const full = await example({ theme: true });
    // A new project's way: no templates/, its own name, address and sender.
    const bare = await example();
    const config = await readFile(CONFIG, "utf8");
    const values = {
      "DataLab Normandie": "Lettre IA",
      "https://lettre.datalab-normandie.fr": "https://lettre-ia.example.org",
      "lettre@datalab-normandie.fr": "bonjour@lettre-ia.example.org",
    };
    let own = config;
    for (const [from, to] of Object.entries(values)) own = own.replaceAll(from, to);
    await put(bare, "lettre.config.yaml", own);

    for (const root of [full, bare]) expect((await build({ root, today: TODAY })).ok).toBe(true);
    const as = async (root: string, file: string, back: boolean) => {
      let made = await read(root, file);
      if (back) for (const [from, to] of Object.entries(values)) made = made.replaceAll(to, from);
      // The plain text is wrapped at 78 characters: a shorter name moves line breaks.
      return file.endsWith(".txt") ? made.replace(/\s+/g, " ") : made;
    };
    for (const file of ["dist/email/2025-s2.html", "dist/email/2025-s2.txt"]) {
      expect(await read(bare, file)).toContain("Lettre IA");
      expect(await as(bare, file, true)).toBe(await as(full, file, false));
    }
  });

  it("replaces a built-in file by the project's, file by file, partials and assets included", async () => {
    const root = await example();
    const header = await builtin("templates/email/partials/header.hbs");
    await put(
      root,
      "templates/email/partials/header.hbs",
      header.replace("{{site.name}}", "{{site.name}} {{> tagline}}"),
    );
    // A partial of the project's own, used by its override.
    await put(root, "templates/email/partials/tagline.hbs", "— édition régionale");
    await put(root, "templates/archive/assets/style.css", "body { color: #111; }\n");
    const result = await build({ root, today: TODAY });
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
    const email = await read(root, "dist/email/2025-s2.html");
    expect(email).toContain("— édition régionale");
    // The rest is the built-in theme's.
    expect(email).toContain("Se désinscrire");
    expect(await read(root, "dist/archive/assets/style.css")).toBe("body { color: #111; }\n");
    expect(await read(root, "dist/archive/assets/search.js")).toBe(
      await builtin("templates/archive/assets/search.js"),
    );
  });

  it("merges labels.yaml key by key, and names the project's file and line of a mistake", async () => {
    const root = await example();
    await put(root, "templates/labels.yaml", "fr:\n  viewInBrowser: Lire en ligne\n");
    expect((await build({ root, today: TODAY })).ok).toBe(true);
    const email = await read(root, "dist/email/2025-s2.html");
    expect(email).toContain("Lire en ligne");
    expect(email).not.toContain("Voir dans le navigateur");
    // Every other word is still the built-in one.
    expect(email).toContain("Se désinscrire");
    const english = await build({ root, today: TODAY, lang: "en", out: "en" });
    expect(english.ok).toBe(true);

    await put(
      root,
      "templates/labels.yaml",
      "fr:\n  readMore: Lire la suite\n  winner: 42\nde:\n  readMore: Mehr\n",
    );
    setLocale("fr");
    const { diagnostics } = await loadTemplates(root);
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      "templates/labels.yaml:3: fr.winner: doit être un texte (trouvé : un nombre entier « 42 »)",
      "templates/labels.yaml:4: de: champ inconnu « de » (vouliez-vous dire « fr » ?) ; champs possibles : fr, en",
    ]);
  });

  it("lists, ejects, diffs and updates the project's templates", async () => {
    const root = await makeProject();
    const none = await run(root, "templates");
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(/ce projet n'a pas de gabarit à lui : il utilise les \d+ fichiers/);

    const unknown = await run(root, "templates", "eject", "email/partials/fotter.hbs");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("(vouliez-vous dire « email/partials/footer.hbs » ?)");

    const ejected = await run(root, "templates", "eject", "footer.hbs", "labels.yaml");
    expect(ejected.code, ejected.stderr).toBe(0);
    expect(await read(root, "templates/email/partials/footer.hbs")).toBe(
      await builtin("templates/email/partials/footer.hbs"),
    );
    expect(await read(root, "templates/ejected.yaml")).toContain(
      "templates/email/partials/footer.hbs:",
    );
    const again = await run(root, "templates", "eject", "email/partials/footer.hbs");
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("existe déjà dans le projet : il n'est pas remplacé");

    const listed = await run(root, "templates");
    expect(listed.stdout).toMatch(
      /templates\/email\/partials\/footer\.hbs +à jour : copié de lettre \d+\.\d+\.\d+/,
    );
    const current = await run(root, "templates", "diff");
    expect(current.stdout).toContain(
      "templates/email/partials/footer.hbs : à jour : copié de lettre",
    );
  });

  it("shows what lettre changed in a copied template since, and brings it in when it applies", async () => {
    const root = await makeProject();
    const file = "templates/email/partials/footer.hbs";
    const now = await builtin(file);
    // As copied from an older lettre, whose footer lacked a line that lettre added since.
    const added = now.split("\n").find((line) => line.includes('{{t "sentBy"'));
    expect(added).toBeDefined();
    const old = now.replace(`${added}\n`, "");
    const record = (base: string) =>
      stringify({
        [file]: { version: "0.0.9", sha256: createHash("sha256").update(base).digest("hex"), base },
      });
    await put(root, "templates/ejected.yaml", record(old));
    // The editor's own change, elsewhere in the file.
    const edited = old.replace("<mj-column>", '<mj-column css-class="pied">');
    await put(root, file, edited);

    const listed = await run(root, "templates");
    expect(listed.stdout).toMatch(
      /templates\/email\/partials\/footer\.hbs +copié de lettre 0\.0\.9 ; lettre a changé ce gabarit depuis/,
    );
    const shown = await run(root, "templates", "diff", "footer.hbs");
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(
      `${file} : ce que lettre a changé dans ce gabarit depuis votre copie (0.0.9 → `,
    );
    expect(shown.stdout).toContain(`\n+${added}\n`);
    expect(shown.stdout).not.toContain("pied");

    const updated = await run(root, "templates", "update", "footer.hbs");
    expect(updated.code, updated.stderr).toBe(0);
    const merged = await read(root, file);
    expect(merged).toContain(added);
    expect(merged).toContain('css-class="pied"');
    expect((await run(root, "templates")).stdout).toMatch(/footer\.hbs +à jour/);

    // A change of the editor's on the very line lettre changed: nothing is written.
    await put(
      root,
      "templates/ejected.yaml",
      record(old.replace('padding="0">', 'padding="2px">')),
    );
    const before = await read(root, file);
    await put(root, file, before.replace('padding="0">', 'padding="4px">'));
    const conflict = await run(root, "templates", "update", file);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain("vos modifications touchent les mêmes lignes");
    expect(await read(root, file)).toBe(before.replace('padding="0">', 'padding="4px">'));
    const resolved = await run(root, "templates", "update", file, "--resolved");
    expect(resolved.code).toBe(0);
    expect((await run(root, "templates")).stdout).toMatch(/footer\.hbs +à jour/);
  });

  it("never writes through a link out of templates/", async () => {
    const root = await makeProject();
    const away = await makeProject();
    await mkdir(path.join(root, "templates"));
    await symlink(path.join(away, "newsletters"), path.join(root, "templates/email"));
    const refused = await run(root, "templates", "eject", "email/partials/footer.hbs");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `« templates/email » mène, par un lien symbolique, à ${await realpath(away)}/newsletters`,
    );
    expect(await readdir(path.join(away, "newsletters"))).toEqual([]);
  });
});
