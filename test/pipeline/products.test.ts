import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LettreError } from "../../src/core/diagnostic.ts";
import { DISK_CACHE_DIR, PRODUCTS_DIR, SPARE_DIR } from "../../src/pipeline/cache.ts";
import { build } from "../../src/pipeline/index.ts";
import { put, read, readTheme } from "../helpers.ts";
import { project, tree } from "./helpers.ts";

const today = "2026-01-01";
const workers = process.env.LETTRE_WORKERS;
afterEach(() => {
  if (workers === undefined) delete process.env.LETTRE_WORKERS;
  else process.env.LETTRE_WORKERS = workers;
});

/** `lettre build` into dist/ (products and spare at hand), and the folder it left. */
async function rebuild(root: string) {
  const result = await build({ root, today });
  expect(result.ok, JSON.stringify(result.diagnostics)).toBe(true);
  return { result, files: await tree(path.join(root, "dist")) };
}

/** A build that keeps nothing, into a folder of its own: what dist/ must hold. */
let cleanCount = 0;
async function clean(root: string) {
  const out = `clean-${++cleanCount}`;
  const result = await build({ root, out, today, diskCache: false });
  expect(result.ok, JSON.stringify(result.diagnostics)).toBe(true);
  const files = await tree(path.join(root, out));
  await rm(path.join(root, out), { recursive: true });
  return files;
}

async function spareOf(root: string): Promise<string> {
  const [name] = await readdir(path.join(root, SPARE_DIR));
  return path.join(root, SPARE_DIR, name ?? "");
}

describe("a build from the last build's products and output", () => {
  it("gives the output of a clean build, byte for byte, through edits, deletions and new issues", async () => {
    process.env.LETTRE_WORKERS = "0";
    const root = await project();
    const first = await rebuild(root);
    expect(first.files).toEqual(await clean(root));

    // Nothing changed: nothing compiled, nothing written again (the same files, not copies).
    const page = path.join(root, "dist/archive/index.html");
    const before = await stat(page);
    const second = await rebuild(root);
    expect(second.result.compiled).toBe(0);
    expect(second.files).toEqual(first.files);
    const third = await rebuild(root);
    expect(third.files).toEqual(first.files);
    // The third build started from the first one's folder (the spare): its file, untouched.
    const after = await stat(page);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);

    const steps: [string, () => Promise<void>][] = [
      [
        "an issue edited",
        async () => {
          const file = "newsletters/copie-2.md";
          await put(root, file, (await read(root, file)).replace("Copie 2", "Copie deux"));
        },
      ],
      ["an issue deleted", () => rm(path.join(root, "newsletters/copie-3.md"))],
      [
        "an issue added",
        async () => {
          const source = await read(root, "newsletters/copie-1.md");
          await put(root, "newsletters/copie-9.md", source.replace("Copie 1", "Copie neuf"));
        },
      ],
      [
        "the config changed",
        async () => {
          const config = await read(root, "lettre.config.yaml");
          await put(root, "lettre.config.yaml", config.replace(/name: .*/, "name: Autre nom"));
        },
      ],
      [
        "a template changed",
        async () => {
          const file = "templates/archive/partials/site-footer.hbs";
          await put(root, file, `${await readTheme(root, file)}<!-- changé -->\n`);
        },
      ],
    ];
    for (const [what, change] of steps) {
      await change();
      const rebuilt = await rebuild(root);
      expect(rebuilt.files, what).toEqual(await clean(root));
      // Twice: the second build starts from the spare the first one left.
      expect((await rebuild(root)).files, what).toEqual(rebuilt.files);
    }
  });

  it("makes again what was touched in the output folder or its spare", async () => {
    process.env.LETTRE_WORKERS = "0";
    const root = await project();
    const reference = (await rebuild(root)).files;
    await rebuild(root);
    // Edited by hand (same size), a file added, a file removed: in dist/ ...
    const edit = async (dir: string) => {
      const index = path.join(dir, "archive/index.html");
      const html = await readFile(index, "utf8");
      await writeFile(index, html.replace("<html", "<HTML"));
      await writeFile(path.join(dir, "archive/2025-s2/notes.txt"), "à moi");
      await rm(path.join(dir, "archive/feed.xml"));
    };
    await edit(path.join(root, "dist"));
    expect((await rebuild(root)).files).toEqual(reference);
    // ... which is now the spare the next build starts from.
    expect((await rebuild(root)).files).toEqual(reference);
    // In the spare itself.
    await edit(await spareOf(root));
    expect((await rebuild(root)).files).toEqual(reference);
  });

  it("never follows a link put in the output folder or its spare, and leaves no stray folder", async () => {
    process.env.LETTRE_WORKERS = "0";
    const root = await project();
    const reference = (await rebuild(root)).files;
    await rebuild(root);
    // Someone's folder, outside the project, that links in dist/ lead to.
    const mine = await mkdtemp(path.join(tmpdir(), "lettre-mine-"));
    await writeFile(path.join(mine, "these.pdf"), "à garder");
    const dist = path.join(root, "dist");
    await rm(path.join(dist, "archive/2025-s2"), { recursive: true });
    await symlink(mine, path.join(dist, "archive/2025-s2"));
    await mkdir(path.join(dist, "archive/vide/sous"), { recursive: true });
    await mkdir(path.join(dist, "archive/2026-s1/vide"), { recursive: true });
    for (let i = 0; i < 3; i++) expect((await rebuild(root)).files).toEqual(reference);
    // The top folder itself a link, in the spare then in dist/.
    await rm(path.join(await spareOf(root), "email"), { recursive: true });
    await symlink(mine, path.join(await spareOf(root), "email"));
    expect((await rebuild(root)).files).toEqual(reference);
    await rm(path.join(dist, "email"), { recursive: true });
    await symlink(mine, path.join(dist, "email"));
    for (let i = 0; i < 3; i++) expect((await rebuild(root)).files).toEqual(reference);
    expect((await lstat(path.join(dist, "email"))).isDirectory()).toBe(true);
    expect(await readdir(mine)).toEqual(["these.pdf"]);
    expect(await readFile(path.join(mine, "these.pdf"), "utf8")).toBe("à garder");
    const folders = (await readdir(dist, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => path.relative(dist, path.join(entry.parentPath, entry.name)));
    expect(folders).not.toContain("archive/vide");
    expect(folders).not.toContain("archive/2026-s1/vide");
    await rm(mine, { recursive: true });
  });

  it("does without products that are damaged or gone", async () => {
    process.env.LETTRE_WORKERS = "0";
    const root = await project();
    const reference = (await rebuild(root)).files;
    await rebuild(root);
    const products = path.join(root, PRODUCTS_DIR);
    const texts = path.join(products, "texts");

    // Long texts cut short, then gone.
    const names = await readdir(texts);
    expect(names.length).toBeGreaterThan(3);
    for (const name of names.slice(0, 3)) await writeFile(path.join(texts, name), "<p>coupé");
    await rm(await spareOf(root), { recursive: true });
    await rm(path.join(root, "dist"), { recursive: true });
    expect((await rebuild(root)).files).toEqual(reference);
    await rm(texts, { recursive: true });
    await rm(path.join(root, "dist"), { recursive: true });
    expect((await rebuild(root)).files).toEqual(reference);

    // The index not what lettre writes, then a file in the way of the folder.
    await writeFile(path.join(products, "index.bin"), "pas un index");
    expect((await rebuild(root)).files).toEqual(reference);
    await rm(path.join(root, ".lettre"), { recursive: true });
    await put(root, ".lettre", "un fichier");
    expect((await rebuild(root)).files).toEqual(reference);
  });

  it("stops before writing when an email of the disk cache was damaged since, and compiles it at the next run", async () => {
    process.env.LETTRE_WORKERS = "0";
    const root = await project();
    const reference = (await rebuild(root)).files;
    await rebuild(root);
    // An entry damaged without changing its size, and the copy of its email gone from the
    // spare: the build must read it.
    const dir = path.join(root, DISK_CACHE_DIR);
    let damaged = false;
    for (const name of await readdir(dir)) {
      const text = await readFile(path.join(dir, name), "utf8");
      if (!text.includes("Copie 1")) continue;
      await writeFile(path.join(dir, name), text.replace('"html":', '"htmX":'));
      damaged = true;
    }
    expect(damaged).toBe(true);
    await rm(path.join(await spareOf(root), "email/copie-1.html"));
    const error = await build({ root, today }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LettreError);
    expect((error as LettreError).diagnostics[0]?.rule).toBe("cache-lost");
    // The last output is still there, whole; running again compiles the email.
    expect(await tree(path.join(root, "dist"))).toEqual(reference);
    const again = await build({ root, today });
    expect(again.compiled).toBe(1);
    expect(await tree(path.join(root, "dist"))).toEqual(reference);
  });
});
