/**
 * Writes a build's files into a staging folder, then swaps each output folder into place,
 * so that a failed or interrupted build never leaves dist/ half-written.
 *
 * A build replaces `email/` and `archive/` of the output folder whole, so lettre writes only
 * into a folder it made: one that holds its marker file (`.lettre-output`), or an empty or
 * missing one (then marked). Any other folder is refused, whatever `--out` says, so a
 * mistyped `--out ~/Documents` never deletes anything.
 */
import { createHash } from "node:crypto";
import { lstatSync, readdirSync, rmSync } from "node:fs";
import { lstat, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { LettreError } from "../core/diagnostic.ts";
import { t } from "../core/i18n.ts";
import { type Content, LazyText } from "../core/products.ts";
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
 * What a tree of output files holds, by path: the SHA-256 of each file's content, then the
 * file's inode, size and modification time as lettre left it ("-" if unknown).
 */
export type Written = Map<string, string>;

/**
 * With a spare: the output folders a build replaced are not deleted but kept (in the project's
 * `.lettre/cache/`), and the next build starts its staging folder from them, writing only the
 * files whose content differs (or that were touched since: their inode, size or time
 * changed) and removing those it would not write. A rebuild after a small change then writes
 * a few files instead of thousands. `last` says what the live and spare trees held after the
 * last build; `now` gets what they hold after this one.
 */
export interface Recycling {
  spareDir: string;
  last: { live?: Written; spare?: Written } | undefined;
  now: { live: Written; spare?: Written };
  /** The SHA-256 (base64url) of a text, when it is known without hashing it. */
  hashOf?: (text: string) => string;
}

/**
 * `files` maps paths relative to `outDir` (e.g. `email/x.html`) to their contents; each of
 * `folders` (e.g. `email`) is replaced whole, so files of deleted issues disappear.
 */
export async function writeOutputs(
  outDir: string,
  folders: readonly string[],
  files: Map<string, Content>,
  recycling?: Recycling,
): Promise<string[]> {
  const adopted = await claim(outDir);
  await removeLeftovers(outDir);
  const id = `${process.pid}-${Date.now().toString(36)}`;
  const staging = path.join(outDir, `${STAGING}${id}`);
  try {
    // What the staging folder starts with: the spare trees, when they are what lettre left.
    let start: Written = new Map();
    const spare = recycling?.last?.spare;
    if (recycling && spare && !adopted)
      start = await takeSpare(recycling.spareDir, staging, folders, spare);
    if (start.size === 0) await rm(staging, { recursive: true, force: true });
    for (const folder of folders) await mkdir(path.join(staging, folder), { recursive: true });
    if (start.size > 0) removeOthers(staging, folders, files, start);
    // Each folder made once, then the files written several at a time: one after the
    // other, a build of thousands of small files mostly waits for the disk.
    // Files the spare holds as they are to be, untouched since: kept (synchronous calls,
    // thousands of them, each a few microseconds).
    const hashes = new Map<string, string>();
    const toWrite = [...files].filter(([file, content]) => {
      if (!recycling) return true;
      const hash =
        content instanceof LazyText
          ? content.hash
          : typeof content === "string" && recycling.hashOf
            ? recycling.hashOf(content)
            : createHash("sha256").update(content).digest("base64url");
      hashes.set(file, hash);
      const before = start.get(file);
      if (!before?.startsWith(`${hash} `)) return true;
      const now = lstatSync(path.join(staging, file), { throwIfNoEntry: false });
      if (!now || before !== `${hash} ${stamp(now)}`) return true;
      recycling.now.live.set(file, before);
      return false;
    });
    const made = new Set<string>();
    for (const [file] of toWrite) {
      const folder = path.dirname(path.join(staging, file));
      if (!made.has(folder)) {
        made.add(folder);
        await mkdir(folder, { recursive: true });
      }
    }
    await inParallel(toWrite, async ([file, content]) => {
      const target = path.join(staging, file);
      if (!recycling) return writeFile(target, contentOf(content));
      // A new file: the old one may be hard-linked elsewhere (not by lettre, but never mind).
      await rm(target, { recursive: true, force: true });
      await writeFile(target, contentOf(content));
      recycling.now.live.set(file, `${hashes.get(file)} ${stamp(await lstat(target))}`);
    });
    // Swap each top-level output folder (email/, archive/) in one rename each; the old one
    // becomes the spare, or is removed.
    const keep = recycling && !adopted ? recycling.last?.live : undefined;
    let kept = keep !== undefined;
    for (const folder of folders) {
      const live = path.join(outDir, folder);
      const old = path.join(outDir, `${OLD}${id}-${folder}`);
      const moved = await rename(live, old).then(yes, (error: NodeJS.ErrnoException) => {
        if (error.code !== "ENOENT") throw error;
        return false;
      });
      await rename(path.join(staging, folder), live);
      // The spare is a convenience: anything in the way (a file named .lettre, another
      // disk), and the old folder is removed instead.
      if (moved && kept && recycling) kept = await moveTo(old, recycling.spareDir, folder);
      else kept = false;
      await rm(old, { recursive: true, force: true });
    }
    if (recycling) {
      // The folders as they are now, to know at the next build whether one changed.
      for (const folder of foldersOf(files.keys())) {
        const stats = lstatSync(path.join(outDir, folder.slice(0, -1)), { throwIfNoEntry: false });
        if (stats?.isDirectory()) recycling.now.live.set(folder, folderStamp(stats));
      }
    }
    if (recycling && kept && keep) recycling.now.spare = keep;
    else if (recycling) await rm(recycling.spareDir, { recursive: true, force: true }).catch(no);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return [...files.keys()];
}

/** Moves `from` to `dir/name` (replacing it); false if it cannot be done. */
async function moveTo(from: string, dir: string, name: string): Promise<boolean> {
  try {
    await rm(path.join(dir, name), { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await rename(from, path.join(dir, name));
    return true;
  } catch {
    return false;
  }
}

/**
 * Moves the spare trees into `staging` and returns what they hold (the part of `spare`
 * under `folders`); nothing if any is missing or cannot be moved.
 */
async function takeSpare(
  spareDir: string,
  staging: string,
  folders: readonly string[],
  spare: Written,
): Promise<Written> {
  try {
    await mkdir(staging, { recursive: true });
    for (const folder of folders) {
      const from = path.join(spareDir, folder);
      // Only folders lettre left there: a link in their place is not followed.
      if (!lstatSync(from, { throwIfNoEntry: false })?.isDirectory()) return new Map();
      await rename(from, path.join(staging, folder));
    }
    return spare;
  } catch {
    return new Map();
  }
}

/**
 * Makes `staging` (the spare, which held `start`) hold nothing this build does not write.
 * First every folder `start` names that is no longer a real folder (a link put there,
 * which may lead anywhere: the link itself is removed, never followed), then the files
 * `start` names that this build does not write; then any other entry of the top folders
 * and of the folders changed since (a folder's time changes when an entry is added,
 * removed or renamed in it); then folders left empty.
 */
function removeOthers(
  staging: string,
  folders: readonly string[],
  files: Map<string, unknown>,
  start: Written,
): void {
  const at = (name: string) => path.join(staging, name.replace(/\/$/, ""));
  const real = new Set<string>();
  const known = [...start.keys()].filter((k) => k.endsWith("/"));
  for (const dir of known.sort((a, b) => a.length - b.length)) {
    const parent = dir.slice(0, dir.lastIndexOf("/", dir.length - 2) + 1);
    if (parent && !real.has(parent)) continue;
    const stats = lstatSync(at(dir), { throwIfNoEntry: false });
    if (stats?.isDirectory()) real.add(dir);
    else if (stats) rmSync(at(dir), { force: true });
  }
  const removed: string[] = [];
  const remove = (name: string) => {
    rmSync(at(name), { recursive: true, force: true });
    removed.push(name);
  };
  for (const file of start.keys()) {
    const parent = file.slice(0, file.lastIndexOf("/") + 1);
    if (!file.endsWith("/") && !files.has(file) && real.has(parent)) remove(file);
  }
  const wanted = foldersOf(files.keys());
  const walk = (dir: string) => {
    for (const entry of readdirSync(at(dir), { withFileTypes: true })) {
      const name = `${dir}${entry.name}`;
      if (!entry.isDirectory()) {
        if (!files.has(name)) remove(name);
      } else if (!real.has(`${name}/`)) {
        // A folder the spare did not know: walked if this build writes in it, else removed.
        if (wanted.has(`${name}/`)) walk(`${name}/`);
        else remove(name);
      }
    }
  };
  for (const folder of folders) walk(`${folder}/`);
  for (const dir of real) {
    if (folders.includes(dir.slice(0, -1))) continue;
    const stats = lstatSync(at(dir));
    if (start.get(dir) !== folderStamp(stats)) walk(dir);
  }
  for (const file of removed) {
    for (let dir = path.posix.dirname(file); dir.includes("/"); dir = path.posix.dirname(dir)) {
      const folder = path.join(staging, dir);
      // Gone already: removed with the file before that was in it.
      const left = lstatSync(folder, { throwIfNoEntry: false }) ? readdirSync(folder) : [];
      if (left.length > 0) break;
      rmSync(folder, { recursive: true, force: true });
    }
  }
}

/** Every folder of `files` (paths relative to the output folder), as `email/`, `archive/x/`. */
function foldersOf(files: Iterable<string>): Set<string> {
  const folders = new Set<string>();
  for (const file of files) {
    for (let at = file.lastIndexOf("/"); at > 0; at = file.lastIndexOf("/", at - 1)) {
      const folder = file.slice(0, at + 1);
      if (folders.has(folder)) break;
      folders.add(folder);
    }
  }
  return folders;
}

function folderStamp(stats: { ino: number; mtimeMs: number }): string {
  return `${stats.ino} ${stats.mtimeMs}`;
}

/**
 * For rebuilds (`lettre dev`): writes only the files whose content changed since `previous`
 * (each one atomically: a temporary file renamed over it) and removes those that are gone,
 * with their folders once empty. Returns the paths written or removed.
 */
export async function writeChanged(
  outDir: string,
  files: Map<string, Content>,
  last: Map<string, Content>,
): Promise<string[]> {
  // A folder marked now, or one of its output folders gone (deleted since the last build,
  // say), holds none of the last build: write it all.
  const folders = new Set([...files.keys()].map((file) => file.split("/")[0] ?? ""));
  const gone = async () => {
    for (const folder of folders)
      if (!(await stat(path.join(outDir, folder)).catch(() => undefined))) return true;
    return false;
  };
  const previous = (await claim(outDir)) || (await gone()) ? new Map<string, Content>() : last;
  const changed = [...files].flatMap(([file, content]) => {
    const before = previous.get(file);
    return before !== undefined && same(before, content) ? [] : [file];
  });
  // A few at a time: each is a folder made, a file written and renamed (a save changes a
  // dozen files; the first build of lettre dev, thousands).
  await inParallel(changed, async (file) => {
    const target = path.join(outDir, file);
    await mkdir(path.dirname(target), { recursive: true });
    const temporary = `${target}.${process.pid}.tmp`;
    await writeFile(temporary, contentOf(files.get(file) ?? ""));
    await rename(temporary, target);
  });
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

const yes = () => true;
const no = () => false;

/** What tells that a file was not changed since: its inode, size and modification time. */
function stamp(stats: { ino: number; size: number; mtimeMs: number; isFile(): boolean }) {
  return stats.isFile() ? `${stats.ino} ${stats.size} ${stats.mtimeMs}` : "-";
}

/** `task` on each item, 16 at a time; on a failure, the first error once all have stopped. */
async function inParallel<T>(items: readonly T[], task: (item: T) => Promise<unknown>) {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < items.length && !failed) {
      await task(items[next++] as T).catch((error) => {
        failed = true;
        throw error;
      });
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: 16 }, worker));
  const failure = settled.find((s) => s.status === "rejected");
  if (failure) throw failure.reason;
}

/** What to write: a text of the last build is read now. */
function contentOf(content: Content): string | Uint8Array {
  return content instanceof LazyText ? content.read() : content;
}

function same(a: Content, b: Content): boolean {
  // Kept from the last rebuild (a page of an unchanged issue, an image): the same object.
  if (a === b) return true;
  if (a instanceof LazyText || b instanceof LazyText) return false;
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
