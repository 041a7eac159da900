/**
 * Writes a build's files into a staging folder, then swaps each output folder into place,
 * so that a failed or interrupted build never leaves dist/ half-written.
 *
 * A build replaces `email/` and `archive/` of the output folder whole, so lettre writes only
 * into a folder it made: one that holds its marker file (`.lettre-output`), or an empty or
 * missing one (then marked). Any other folder is refused, whatever `--out` says, so a
 * mistyped `--out ~/Documents` never deletes anything.
 */
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { LettreError } from "../core/diagnostic.ts";
import { t } from "../core/i18n.ts";
import { UNSUBSCRIBE_PLACEHOLDER } from "../render/index.ts";

const STAGING = ".staging-";
const OLD = ".old-";
/** Exactly the names of what a killed build leaves behind: nothing else is removed. */
const LEFTOVER = /^\.(?:staging-\d+-[0-9a-z]+|old-\d+-[0-9a-z]+-[a-z]+)$/;

/** The file that marks a folder as lettre's output. */
export const MARKER = ".lettre-output";
const MARKER_TEXT = `This folder is written by lettre: each build replaces
its email/ and archive/ folders whole. Do not keep your own files in them.
Ce dossier est écrit par lettre : chaque construction remplace entièrement ses dossiers
email/ et archive/. N'y rangez pas vos propres fichiers.
`;

/**
 * `files` maps paths relative to `outDir` (e.g. `email/x.html`) to their contents; each of
 * `folders` (e.g. `email`) is replaced whole, so files of deleted issues disappear.
 */
export async function writeOutputs(
  outDir: string,
  folders: readonly string[],
  files: Map<string, string | Uint8Array>,
): Promise<string[]> {
  await claim(outDir);
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
  last: Map<string, string | Uint8Array>,
): Promise<string[]> {
  // A folder marked now, or one of its output folders gone (deleted since the last build,
  // say), holds none of the last build: write it all.
  const folders = new Set([...files.keys()].map((file) => file.split("/")[0] ?? ""));
  const gone = async () => {
    for (const folder of folders)
      if (!(await stat(path.join(outDir, folder)).catch(() => undefined))) return true;
    return false;
  };
  const previous =
    (await claim(outDir)) || (await gone()) ? new Map<string, string | Uint8Array>() : last;
  const changed = [...files].flatMap(([file, content]) => {
    const before = previous.get(file);
    return before !== undefined && same(before, content) ? [] : [file];
  });
  // A few at a time: each is a folder made, a file written and renamed (a save changes a
  // dozen files; the first build of lettre dev, thousands).
  const queue = [...changed];
  const writer = async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      const target = path.join(outDir, file);
      await mkdir(path.dirname(target), { recursive: true });
      const temporary = `${target}.${process.pid}.tmp`;
      await writeFile(temporary, files.get(file) ?? "");
      await rename(temporary, target);
    }
  };
  await Promise.all(Array.from({ length: 8 }, writer));
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

/** Folders left by a build that was killed half-way (named exactly as lettre names them). */
async function removeLeftovers(outDir: string): Promise<void> {
  for (const name of await readdir(outDir)) {
    if (LEFTOVER.test(name)) await rm(path.join(outDir, name), { recursive: true, force: true });
  }
}

/**
 * Makes sure `outDir` is lettre's to write (see the top of this file), creating and marking
 * it when it is missing or empty. Throws a LettreError naming the folder otherwise. True when
 * the folder was marked now (new, emptied or adopted): what it holds is not a previous build.
 */
export async function claim(outDir: string): Promise<boolean> {
  const relative = path.relative(process.cwd(), outDir);
  // Shown as the editor typed it when inside the current folder, absolute otherwise.
  const file = !relative || relative.startsWith("..") ? outDir : relative;
  const existing = await stat(outDir).catch(() => undefined);
  if (existing && !existing.isDirectory()) {
    throw new LettreError([
      { file, rule: "out-not-dir", severity: "error", message: t("out-not-dir") },
    ]);
  }
  const entries = existing ? await readdir(outDir) : [];
  if (entries.includes(MARKER)) return false;
  if (entries.length > 0 && !(await isPreviousOutput(outDir, entries))) {
    throw new LettreError([
      {
        file,
        rule: "out-not-lettre",
        severity: "error",
        message: t("out-not-lettre", { marker: MARKER }),
      },
    ]);
  }
  await mkdir(outDir, { recursive: true });
  await writeFile(path.join(outDir, MARKER), MARKER_TEXT, { flag: "wx" }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code !== "EEXIST") throw error;
    },
  );
  return true;
}

/**
 * The output of a lettre from before the marker (an existing checkout's dist/): accepted only
 * when everything a build would replace is recognisably lettre's own. Its entries are
 * email/, archive/, leftovers of a killed build and screenshots/ (`npm run screenshots`);
 * every email/*.html still holds lettre's unsubscribe placeholder, every other file there is
 * the .txt of one of them; archive/ holds lettre's feed.xml. One file of anyone else's in
 * email/, an archive/ without lettre's feed, or any other entry, and the folder is refused.
 */
async function isPreviousOutput(outDir: string, entries: string[]): Promise<boolean> {
  const allowed = new Set(["email", "archive", "screenshots", ".DS_Store"]);
  if (!entries.every((name) => allowed.has(name) || LEFTOVER.test(name))) return false;
  const read = (file: string) => readFile(path.join(outDir, file), "utf8").catch(() => "");
  if (entries.includes("email")) {
    const names = await readdir(path.join(outDir, "email")).catch(() => undefined);
    if (!names) return false;
    const emails = names.filter((name) => /^[a-z0-9-]+\.html$/.test(name));
    for (const name of names) {
      const html = name.replace(/\.txt$/, ".html");
      if (!(name.endsWith(".txt") ? emails.includes(html) : emails.includes(name))) return false;
    }
    for (const name of emails) {
      if (!(await read(`email/${name}`)).includes(UNSUBSCRIBE_PLACEHOLDER)) return false;
    }
  }
  if (entries.includes("archive")) {
    if (!(await read("archive/feed.xml")).includes("<generator>lettre</generator>")) return false;
  }
  return true;
}

/**
 * What the editor can do about a failure to write the output: a folder they may not write
 * to, a read-only or full disk. Undefined for any other error (a bug: shown as such).
 */
export function writeFailure(error: unknown, outDir: string): LettreError | undefined {
  const code = (error as NodeJS.ErrnoException)?.code ?? "";
  const key = (
    {
      EACCES: "out-denied",
      EPERM: "out-denied",
      EROFS: "out-denied",
      ENOSPC: "out-full",
      EDQUOT: "out-full",
    } as const
  )[code];
  if (!key) return undefined;
  const relative = path.relative(process.cwd(), outDir);
  const file = !relative || relative.startsWith("..") ? outDir : relative;
  const where = (error as NodeJS.ErrnoException).path ?? outDir;
  return new LettreError(
    [{ file, rule: key, severity: "error", message: t(key, { path: where, code }), cause: error }],
    { cause: error },
  );
}
