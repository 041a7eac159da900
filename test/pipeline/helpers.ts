/** What the pipeline tests share: a project of several issues, and an output tree. */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fixtureProject, put, read } from "../helpers.ts";

/** Every file under `dir`, by relative path, byte for byte. */
export async function tree(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    files.set(path.relative(dir, file), (await readFile(file)).toString("base64"));
  }
  return files;
}

/** The archive fixture plus copies of one issue under other names: six emails. */
export async function project(): Promise<string> {
  const root = await fixtureProject("archive");
  const source = await read(root, "newsletters/2025-s2.md");
  for (const n of [1, 2, 3]) {
    await put(
      root,
      `newsletters/copie-${n}.md`,
      source
        .replace(/^title: .*$/m, `title: "Copie ${n}"`)
        .replace(/^number: .*$/m, `number: ${20 + n}`),
    );
  }
  return root;
}
