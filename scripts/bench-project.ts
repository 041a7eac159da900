/**
 * The bench projects: `size` copies of the example issue, each with its own date, number,
 * title and words (so that no cache sees two texts alike), with the repository's config and
 * templates, in a temporary folder.
 */
import { cp, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

const REPO = path.resolve(import.meta.dirname, "..");

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

export async function project(size: number, seed = 0): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "lettre-bench-"));
  await cp(path.join(REPO, "templates"), path.join(root, "templates"), { recursive: true });
  await cp(path.join(REPO, "lettre.config.yaml"), path.join(root, "lettre.config.yaml"));
  await mkdir(path.join(root, "newsletters"));
  const example = await readFile(path.join(REPO, "newsletters/2025-s2.md"), "utf8");
  for (let i = 1; i <= size; i++) {
    const n = String(i).padStart(3, "0");
    const date = new Date(Date.UTC(2010, 0, 1 + i * 10)).toISOString().slice(0, 10);
    const issue = example
      .replace(/^title: .*$/m, `title: "Lettre ${n} : l'IA au cœur des territoires"`)
      .replace(/^date: .*$/m, `date: ${date}`)
      .replace(/^number: .*$/m, `number: ${i}`)
      .replaceAll(" de ", ` de (${seed + i}) `)
      .replaceAll(" les ", ` les (${seed + i}) `);
    await writeFile(path.join(root, "newsletters", `lettre-${n}.md`), issue);
  }
  return root;
}
