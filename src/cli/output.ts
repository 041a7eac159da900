/**
 * Writes a build's files into a staging folder, then swaps each output folder into place,
 * so that a failed or interrupted build never leaves dist/ half-written.
 */
import { mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { LettreError } from "../core/diagnostic.ts";
import { t } from "../core/i18n.ts";

const STAGING = ".staging-";
const OLD = ".old-";

/**
 * `files` maps paths relative to `outDir` (e.g. `email/x.html`) to their contents; each of
 * `folders` (e.g. `email`) is replaced whole, so files of deleted issues disappear.
 */
export async function writeOutputs(
  outDir: string,
  folders: readonly string[],
  files: Map<string, string | Uint8Array>,
): Promise<string[]> {
  const existing = await stat(outDir).catch(() => undefined);
  if (existing && !existing.isDirectory()) {
    const file = path.relative(process.cwd(), outDir) || outDir;
    throw new LettreError([
      { file, rule: "out-not-dir", severity: "error", message: t("out-not-dir") },
    ]);
  }
  await mkdir(outDir, { recursive: true });
  await removeLeftovers(outDir);
  const id = `${process.pid}-${Date.now().toString(36)}`;
  const staging = path.join(outDir, `${STAGING}${id}`);
  try {
    for (const folder of folders) await mkdir(path.join(staging, folder), { recursive: true });
    for (const [file, content] of files) {
      const target = path.join(staging, file);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, content);
    }
    // Swap each top-level output folder (email/, later archive/) in one rename each.
    for (const folder of folders) {
      const live = path.join(outDir, folder);
      const old = path.join(outDir, `${OLD}${id}-${folder}`);
      await rename(live, old).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== "ENOENT") throw error;
      });
      await rename(path.join(staging, folder), live);
      await rm(old, { recursive: true, force: true });
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return [...files.keys()];
}

/**
 * For rebuilds (`lettre dev`): writes only the files whose content changed since `previous`
 * (each one atomically: a temporary file renamed over it) and removes those that are gone,
 * with their folders once empty. Returns the paths written or removed.
 */
export async function writeChanged(
  outDir: string,
  files: Map<string, string | Uint8Array>,
  previous: Map<string, string | Uint8Array>,
): Promise<string[]> {
  const changed: string[] = [];
  for (const [file, content] of files) {
    const before = previous.get(file);
    if (before !== undefined && same(before, content)) continue;
    const target = path.join(outDir, file);
    await mkdir(path.dirname(target), { recursive: true });
    const temporary = `${target}.${process.pid}.tmp`;
    await writeFile(temporary, content);
    await rename(temporary, target);
    changed.push(file);
  }
  for (const file of previous.keys()) {
    if (files.has(file)) continue;
    await rm(path.join(outDir, file), { force: true });
    changed.push(file);
    // Remove folders left empty (a deleted issue's archive folder), up to the output folder.
    for (
      let dir = path.dirname(path.join(outDir, file));
      dir.startsWith(`${outDir}${path.sep}`);
      dir = path.dirname(dir)
    ) {
      if ((await readdir(dir).catch(() => ["?"])).length > 0) break;
      await rm(dir, { recursive: true, force: true });
    }
  }
  return changed;
}

function same(a: string | Uint8Array, b: string | Uint8Array): boolean {
  if (typeof a === "string" || typeof b === "string") return a === b;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

/** Folders left by a build that was killed half-way. */
async function removeLeftovers(outDir: string): Promise<void> {
  for (const name of await readdir(outDir)) {
    if (name.startsWith(STAGING) || name.startsWith(OLD)) {
      await rm(path.join(outDir, name), { recursive: true, force: true });
    }
  }
}
