import { existsSync } from "node:fs";
import { mkdtemp, readFile, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../src/core/diagnostic.ts";
import { build } from "../../src/pipeline/index.ts";
import { makeProject, put, read } from "../helpers.ts";

const ISSUE = "---\ntitle: Lettre\ndate: 2025-12-01\n---\nBonjour.\n";
/** Bytes that are not text: the file must be published as it is. */
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0x10]);

async function withLogo(src: string): Promise<string> {
  const root = await makeProject({ "newsletters/lettre.md": ISSUE });
  const yaml = await read(root, "lettre.config.yaml");
  await put(
    root,
    "lettre.config.yaml",
    yaml.replace(
      "  url: https://lettre.datalab-normandie.fr\n",
      () =>
        `  url: https://lettre.datalab-normandie.fr\n  logo:\n    src: ${src}\n    alt: DataLab\n`,
    ),
  );
  return root;
}

describe("a relative site.logo", () => {
  it("is read from newsletters/ and published at the address every email gives it", async () => {
    const root = await withLogo("images/logo.png");
    await put(root, "newsletters/images/.keep", "");
    await writeFile(path.join(root, "newsletters/images/logo.png"), PNG);
    const result = await build({ root });
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
    const html = await read(root, "dist/email/lettre.html");
    const src =
      /<img[^>]+alt="DataLab"[^>]*src="([^"]+)"|<img[^>]+src="([^"]+)"[^>]*alt="DataLab"/.exec(
        html,
      );
    const url = src?.[1] ?? src?.[2] ?? "";
    expect(url).toBe("https://lettre.datalab-normandie.fr/images/logo.png");
    // dist/archive/ is what is published at site.url: the address leads to the file.
    const published = url.replace("https://lettre.datalab-normandie.fr/", "dist/archive/");
    expect(await readFile(path.join(root, published))).toEqual(PNG);
  });

  it("is an error at its line of lettre.config.yaml when missing, and nothing is written", async () => {
    const root = await withLogo("images/logo.png");
    const result = await build({ root });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([
      "lettre.config.yaml:8: site.logo.src: logo « images/logo.png » introuvable : un logo donné par un chemin se lit dans newsletters/, comme les images des numéros, et le fichier newsletters/images/logo.png n'existe pas ; placez-le là, ou donnez une adresse https://",
    ]);
    expect(existsSync(path.join(root, "dist"))).toBe(false);
  });

  it("is refused when a link leads it out of the project", async () => {
    const root = await withLogo("logo.png");
    const away = await mkdtemp(path.join(tmpdir(), "lettre-away-"));
    await writeFile(path.join(away, "secret.png"), "secret");
    await symlink(path.join(away, "secret.png"), path.join(root, "newsletters/logo.png"));
    const result = await build({ root });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map((d) => `${d.file}:${d.line} ${d.field} ${d.rule}`)).toContain(
      "lettre.config.yaml:8 site.logo.src asset-outside",
    );
  });

  it("never replaces a file of the archive", async () => {
    const root = await withLogo("assets/style.css");
    await put(root, "newsletters/assets/style.css", "body { display: none }");
    const result = await build({ root });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map((d) => `${d.file}:${d.line} ${d.field} ${d.rule}`)).toEqual([
      "lettre.config.yaml:8 site.logo.src logo-taken",
    ]);
  });

  it("is left alone when it is an https:// address", async () => {
    const root = await withLogo("https://cdn.example.org/logo.png");
    const result = await build({ root });
    expect(result.diagnostics).toEqual([]);
    expect(await read(root, "dist/email/lettre.html")).toContain(
      'src="https://cdn.example.org/logo.png"',
    );
  });
});
