import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadIssues, parseIssue } from "../../src/content/index.ts";
import { formatDiagnostic } from "../../src/core/diagnostic.ts";
import { fixture, makeProject } from "../helpers.ts";

describe("loading issues", () => {
  it("parses every section type of the full fixture, keeping each field's line", async () => {
    const source = await fixture("full", "newsletters", "2026-s1.md");
    const { issue, diagnostics } = parseIssue(source, "newsletters/2026-s1.md", "fr");
    expect(diagnostics).toEqual([]);
    expect(issue?.data.sections.map((s) => s.type)).toEqual([
      "event",
      "datathon",
      "eu-project",
      "agenda",
      "article",
    ]);
    expect(issue?.lineOf(["sections", 1, "winner", "name"])).toBe(29);
    expect(issue?.lineOf(["sections", 3, "items", 1, "title"])).toBe(49);
    expect(issue?.bodyLine).toBe(67);
    expect(issue?.body.startsWith("Bonjour !")).toBe(true);
  });

  it("leaves drafts out unless asked, and sorts by file name", async () => {
    const draft = "---\ntitle: Brouillon\ndate: 2026-01-01\ndraft: true\n---\n";
    const published = "---\ntitle: Publiée\ndate: 2025-01-01\n---\n";
    const root = await makeProject({
      "newsletters/b-draft.md": draft,
      "newsletters/a-published.md": published,
      "newsletters/notes.txt": "not an issue",
    });
    const without = await loadIssues(root, { defaultLang: "fr" });
    expect(without.issues.map((i) => i.slug)).toEqual(["a-published"]);
    expect(without.drafts).toEqual(["b-draft"]);
    const withDrafts = await loadIssues(root, { defaultLang: "en", drafts: true });
    expect(withDrafts.issues.map((i) => [i.slug, i.lang])).toEqual([
      ["a-published", "en"],
      ["b-draft", "en"],
    ]);
  });

  it("reports unreadable files instead of crashing: other encodings, folders, extensions", async () => {
    const root = await makeProject({
      "newsletters/ok.md": "---\ntitle: Lettre\ndate: 2025-01-01\n---\n",
      "newsletters/notes.markdown": "---\ntitle: x\n---\n",
    });
    // Saved as Latin-1 by an old editor: "été" is not UTF-8.
    await writeFile(
      path.join(root, "newsletters/latin1.md"),
      Buffer.from("---\ntitle: Lettre\ndate: 2025-01-01\npreheader: \xe9t\xe9\n---\n", "latin1"),
    );
    await mkdir(path.join(root, "newsletters/dossier.md"));
    const result = await loadIssues(root, { defaultLang: "fr" });
    expect(result.issues.map((i) => i.slug)).toEqual(["ok"]);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([
      "newsletters/notes.markdown: « notes.markdown » est ignoré : renommez-le « notes.md » pour qu'il soit lu comme une lettre",
      "newsletters/dossier.md: lecture impossible : c'est un dossier, pas un fichier",
      "newsletters/latin1.md:4: le fichier n'est pas en UTF-8 (caractères accentués illisibles) : enregistrez-le en « UTF-8 » depuis votre éditeur",
    ]);
  });

  it("keeps unquoted dates and times as written (YAML core schema)", () => {
    const source =
      "---\ntitle: Lettre\ndate: 2025-12-15\nsections:\n  - type: event\n    title: A\n    date: 2025-12-01\n    time: 14:00\n---\n";
    const { issue } = parseIssue(source, "newsletters/x.md", "fr");
    expect(issue?.data.date).toBe("2025-12-15");
    expect(issue?.data.sections[0]).toMatchObject({ date: "2025-12-01", time: "14:00" });
  });
});
