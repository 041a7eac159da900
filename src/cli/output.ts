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
): Promise<void> {
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
}

/** Folders left by a build that was killed half-way. */
async function removeLeftovers(outDir: string): Promise<void> {
  for (const name of await readdir(outDir)) {
    if (name.startsWith(STAGING) || name.startsWith(OLD)) {
      await rm(path.join(outDir, name), { recursive: true, force: true });
    }
  }
}
