import { rm } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../src/core/diagnostic.ts";
import { loadTemplates } from "../../src/render/index.ts";
import { builtin, makeProject, put } from "../helpers.ts";

/** A project that overrides `file` with the built-in one, edited. */
async function withTemplate(file: string, edit: (source: string) => string) {
  const root = await makeProject();
  await put(root, file, edit(await builtin(file)));
  return (await loadTemplates(root)).diagnostics.map(formatDiagnostic);
}

describe("templates", () => {
  it("loads the repository's templates without a diagnostic", async () => {
    const { templates, diagnostics } = await loadTemplates(await makeProject());
    expect(diagnostics).toEqual([]);
    expect(templates?.email.sources.has("templates/email/sections/eu-project.hbs")).toBe(true);
    expect([...(templates?.archive.pages.keys() ?? [])]).toEqual([
      "index",
      "issue",
      "tags",
      "tag",
      "events",
      "datathons",
      "projects",
      "search",
      "reader",
    ]);
    expect([...(templates?.email.pages.keys() ?? [])]).toEqual(["layout", "confirm"]);
  });

  it("names the template file and line of a syntax error", async () => {
    const diagnostics = await withTemplate("templates/email/sections/event.hbs", (s) =>
      s.replace("{{> button}}", "{{#if url}}{{/iff}}"),
    );
    expect(diagnostics).toEqual([
      "templates/email/sections/event.hbs:11: erreur de syntaxe Handlebars : if doesn't match iff",
    ]);
    const unclosed = await withTemplate("templates/email/partials/footer.hbs", (s) =>
      s.replace('{{t "unsubscribe"}}', '{{t "unsubscribe"}'),
    );
    expect(unclosed).toEqual([
      "templates/email/partials/footer.hbs:13: erreur de syntaxe Handlebars : balise {{ … }} mal fermée ou incomplète sur cette ligne (chaque {{ se ferme par }})",
    ]);
  });

  it("reports an unknown helper, partial and label with their lines", async () => {
    const diagnostics = await withTemplate("templates/email/sections/article.hbs", (s) =>
      s
        .replace('{{t "article"}}', '{{t "articel"}}')
        .replace("{{markdown body}}", "{{markdwn body}}")
        .replace("{{> button}}", "{{> buton}}"),
    );
    expect(diagnostics).toEqual([
      "templates/email/sections/article.hbs:9: libellé « articel » absent de templates/labels.yaml (vouliez-vous dire « article » ?) (fr)",
      expect.stringMatching(
        /^templates\/email\/sections\/article\.hbs:11: assistant « markdwn » inconnu \(vouliez-vous dire « markdown » \?\) ; assistants disponibles : t, date, /,
      ),
      expect.stringMatching(
        /^templates\/email\/sections\/article\.hbs:13: partiel « buton » introuvable \(vouliez-vous dire « button » \?\)/,
      ),
    ]);
  });

  it("checks labels.yaml once, without blaming every template that uses a label", async () => {
    const diagnostics = await withTemplate("templates/labels.yaml", (s) =>
      s
        .replace("  readMore: En savoir plus", "  readMore: 42")
        .replace("  winner: Lauréat", '  winner: ""'),
    );
    expect(diagnostics).toEqual([
      "templates/labels.yaml:7: fr.readMore: doit être un texte (trouvé : un nombre entier « 42 »)",
      "templates/labels.yaml:19: fr.winner: ne doit pas être vide",
    ]);
  });

  it("asks for the template of a section type that neither the project nor lettre has", async () => {
    // A theme without it, as the built-in theme of a lettre that lacks one.
    const theme = await makeProject({}, { theme: true });
    await rm(path.join(theme, "templates/email/sections/agenda.hbs"));
    const root = await makeProject();
    const { diagnostics } = await loadTemplates(root, theme);
    expect(diagnostics.map(formatDiagnostic)).toEqual([
      "templates/email/sections/agenda.hbs: aucun gabarit pour le type de section « agenda » : créez templates/email/sections/agenda.hbs",
    ]);
    // A project that has one is complete again.
    await put(
      root,
      "templates/email/sections/agenda.hbs",
      await builtin("templates/email/sections/agenda.hbs"),
    );
    expect((await loadTemplates(root, theme)).diagnostics).toEqual([]);
  });
});
