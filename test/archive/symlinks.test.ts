/**
 * Regression (issue 8): a symbolic link in newsletters/ copied any file of the machine into
 * the public archive (/etc/passwd, /proc/self/environ with the SMTP password). lettre now
 * reads only files that really are in the project, regular files of a sane size.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  symlink,
  truncate,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../src/core/diagnostic.ts";
import { readInside } from "../../src/core/files.ts";
import { build } from "../../src/pipeline/index.ts";
import { makeProject, put, read } from "../helpers.ts";

const SECRET = "LETTRE_SMTP_PASSWORD=hunter2-do-not-publish";
const outside: string[] = [];
afterEach(async () => {
  await Promise.all(outside.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A folder outside any project, holding a "secret" file. */
async function elsewhere(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "lettre-outside-"));
  outside.push(dir);
  await writeFile(path.join(dir, "secret.png"), SECRET);
  await writeFile(path.join(dir, "secret.pdf"), SECRET);
  return dir;
}

const issue = (body: string) => `---\ntitle: Lettre\ndate: 2026-01-15\n---\n${body}\n`;

/** Every file of a folder, recursively, as text. */
async function everything(dir: string): Promise<string> {
  if (!existsSync(dir)) return "";
  const names = await readdir(dir, { recursive: true, withFileTypes: true });
  const texts = await Promise.all(
    names
      .filter((entry) => entry.isFile())
      .map((entry) => readFile(path.join(entry.parentPath, entry.name), "latin1")),
  );
  return texts.join("\n");
}

describe("symbolic links and special files in newsletters/", () => {
  it("refuses an image that is a link to a file outside the project, and publishes nothing of it", async () => {
    const away = await elsewhere();
    const root = await makeProject({
      "newsletters/2026-s1.md": issue("Intro.\n\n![Logo de la région](images/logo.png)"),
    });
    await mkdir(path.join(root, "newsletters/images"));
    await symlink(path.join(away, "secret.png"), path.join(root, "newsletters/images/logo.png"));
    const result = await build({ root });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([
      `newsletters/2026-s1.md:7: body: « images/logo.png » refusé : « newsletters/images/logo.png » mène, par un lien symbolique, à ${await realTmp(away)}/secret.png, hors du dossier où il doit être : lettre ne lit et ne publie que les fichiers du projet ; remplacez le lien par une copie du fichier`,
    ]);
    expect(await everything(path.join(root, "dist"))).not.toContain("hunter2");
  });

  it("refuses /etc/passwd and /proc/self/environ reached through links, and a linked folder", async () => {
    const away = await elsewhere();
    const root = await makeProject({
      "newsletters/2026-s1.md": issue(
        "[Comptes](files/passwd.txt) et [environnement](files/environ.txt)\n\n[Programme](dossier/secret.pdf)",
      ),
    });
    await mkdir(path.join(root, "newsletters/files"));
    await symlink("/etc/passwd", path.join(root, "newsletters/files/passwd.txt"));
    await symlink("/proc/self/environ", path.join(root, "newsletters/files/environ.txt"));
    await symlink(away, path.join(root, "newsletters/dossier"));
    const result = await build({ root });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map((d) => [d.line, d.field, d.rule, d.severity])).toEqual([
      [undefined, undefined, "link-outside", "warning"],
      [5, "body", "asset-outside", "error"],
      [5, "body", "asset-outside", "error"],
      [7, "body", "asset-outside", "error"],
    ]);
    expect(result.diagnostics[0]?.file).toBe("newsletters/dossier");
    expect(await everything(path.join(root, "dist"))).not.toMatch(/root:|hunter2|PATH=/);
  });

  it("refuses an issue file that is a link to a file outside the project", async () => {
    const away = await elsewhere();
    await writeFile(path.join(away, "issue.md"), issue(`Texte : ${SECRET}`));
    const root = await makeProject({ "newsletters/2026-s1.md": issue("Bonjour.") });
    await symlink(path.join(away, "issue.md"), path.join(root, "newsletters/2026-s2.md"));
    const result = await build({ root });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map((d) => [d.file, d.rule])).toEqual([
      ["newsletters/2026-s2.md", "file-outside"],
    ]);
    expect(await everything(path.join(root, "dist"))).not.toContain("hunter2");
  });

  it("follows links that stay inside newsletters/", async () => {
    const root = await makeProject({
      "newsletters/2026-s1.md": issue("![Photo](images/alias.png)"),
      "newsletters/images/photo.png": "PNG",
    });
    await symlink("photo.png", path.join(root, "newsletters/images/alias.png"));
    await symlink("2026-s1.md", path.join(root, "newsletters/2026-s2.md"));
    const result = await build({ root });
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([]);
    expect(await read(root, "dist/archive/2026-s1/images/alias.png")).toBe("PNG");
  });

  it("refuses a FIFO or a device instead of hanging, and a file over 25 MB", async () => {
    const root = await makeProject({
      "newsletters/2026-s1.md": issue(
        "![Tube](images/pipe.png)\n\n![Zéro](images/zero.png)\n\n[Actes](files/actes.pdf)",
      ),
    });
    await mkdir(path.join(root, "newsletters/images"));
    execFileSync("mkfifo", [path.join(root, "newsletters/images/pipe.png")]);
    await symlink("/dev/zero", path.join(root, "newsletters/images/zero.png"));
    await put(root, "newsletters/files/actes.pdf", "");
    await truncate(path.join(root, "newsletters/files/actes.pdf"), 26 * 1024 * 1024);
    const result = await build({ root });
    expect(result.ok).toBe(false);
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([
      "newsletters/2026-s1.md:5: body: « images/pipe.png » refusé : « newsletters/images/pipe.png » n'est pas un fichier ordinaire (tube, périphérique…) : lettre ne le lit pas ; mettez-y un vrai fichier",
      expect.stringMatching(
        /^newsletters\/2026-s1\.md:7: body: « images\/zero\.png » refusé : « newsletters\/images\/zero\.png » mène, par un lien symbolique, à \/dev\/zero, hors /,
      ),
      "newsletters/2026-s1.md:9: body: « files/actes.pdf » refusé : fichier de 26 Mo, au-delà de la limite de 25 Mo pour un fichier publié : réduisez l'image ou le document, ou mettez-le en ligne ailleurs et faites un lien https://",
    ]);
  });

  it("does not read templates, their assets or the config through links out of the project", async () => {
    const away = await elsewhere();
    const root = await makeProject(
      { "newsletters/2026-s1.md": issue("Bonjour.") },
      { theme: true },
    );
    await symlink(
      path.join(away, "secret.png"),
      path.join(root, "templates/archive/assets/leak.css"),
    );
    await symlink(away, path.join(root, "templates/archive/assets/fonts"));
    const result = await build({ root });
    expect(result.diagnostics.map((d) => [d.file, d.rule])).toEqual([
      ["templates/archive/assets/fonts", "file-outside"],
      ["templates/archive/assets/leak.css", "file-outside"],
    ]);
    expect(await everything(path.join(root, "dist"))).not.toContain("hunter2");

    await rm(path.join(root, "templates/archive/assets/leak.css"));
    await rm(path.join(root, "templates/archive/assets/fonts"));
    await rm(path.join(root, "templates/email/partials/button.hbs"));
    await symlink(
      path.join(away, "secret.png"),
      path.join(root, "templates/email/partials/button.hbs"),
    );
    await writeFile(path.join(away, "config.yaml"), await read(root, "lettre.config.yaml"));
    await rm(path.join(root, "lettre.config.yaml"));
    await symlink(path.join(away, "config.yaml"), path.join(root, "lettre.config.yaml"));
    const again = await build({ root });
    expect(again.diagnostics.map((d) => [d.file, d.rule])).toEqual([
      ["lettre.config.yaml", "file-outside"],
      ["templates/email/partials/button.hbs", "file-outside"],
    ]);
  });

  it("does not read through a folder swapped for a link between the check and the read", async () => {
    const away = await elsewhere();
    const root = await makeProject({ "newsletters/images/secret.png": "innocent" });
    const content = path.join(root, "newsletters");
    await symlink(away, path.join(content, "evil"));
    // Another process swaps newsletters/images (a real folder) and newsletters/evil (a link
    // out of the project), again and again, while lettre reads images/secret.png.
    const swapper = spawn(
      process.execPath,
      [
        "-e",
        `const fs = require("node:fs"); process.chdir(${JSON.stringify(content)});
         for (;;) { fs.renameSync("images", "t"); fs.renameSync("evil", "images"); fs.renameSync("t", "evil");
                    fs.renameSync("images", "t"); fs.renameSync("evil", "images"); fs.renameSync("t", "evil"); }`,
      ],
      { stdio: "ignore" },
    );
    const exited = new Promise((resolve) => swapper.on("exit", resolve));
    let leaked = 0;
    let read = 0;
    try {
      for (let i = 0; i < 3000; i++) {
        const got = await readInside("newsletters/images/secret.png", {
          root,
          within: "newsletters",
          maxBytes: 1024,
        });
        if ("bytes" in got) {
          read++;
          if (got.bytes.toString().includes("hunter2")) leaked++;
        }
      }
    } finally {
      swapper.kill("SIGKILL");
      await exited;
    }
    expect(read).toBeGreaterThan(0);
    expect(leaked).toBe(0);
  });

  it("refuses a template folder that is itself a link out of the project, without walking it", async () => {
    // A big tree elsewhere, as /usr/share would be: 40 folders of 50 files.
    const away = await elsewhere();
    for (let i = 0; i < 40; i++) {
      await mkdir(path.join(away, `d${i}`));
      for (let j = 0; j < 50; j++) await writeFile(path.join(away, `d${i}`, `f${j}.css`), SECRET);
    }
    const root = await makeProject(
      { "newsletters/2026-s1.md": issue("Bonjour.") },
      { theme: true },
    );
    const assets = path.join(root, "templates/archive/assets");
    await rm(assets, { recursive: true });
    await symlink(away, assets);
    let result = await build({ root });
    expect(result.ok).toBe(false);
    // One message for the folder, not one per file of the tree.
    expect(result.diagnostics.map((d) => [d.file, d.rule])).toEqual([
      ["templates/archive/assets", "file-outside"],
    ]);
    expect(existsSync(path.join(root, "dist"))).toBe(false);

    await rm(assets);
    await mkdir(assets);
    const partials = path.join(root, "templates/email/partials");
    await rename(partials, `${partials}-real`);
    await symlink(away, partials);
    result = await build({ root });
    expect(result.diagnostics.map((d) => [d.file, d.rule])).toEqual([
      ["templates/email/partials", "file-outside"],
    ]);
  });
});

/** The real path of a temporary folder (/tmp may itself be a link, as on macOS). */
async function realTmp(dir: string): Promise<string> {
  const { realpath } = await import("node:fs/promises");
  return realpath(dir);
}
