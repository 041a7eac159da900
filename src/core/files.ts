import {
  closeSync,
  constants,
  type Dirent,
  fstatSync,
  openSync,
  readlinkSync,
  readSync,
  realpathSync,
} from "node:fs";
import { readdir, readFile, realpath } from "node:fs/promises";
import path from "node:path";
import type { Diagnostic } from "./diagnostic.ts";
import { getLocale, t } from "./i18n.ts";

/**
 * Largest text file lettre reads as content (an issue, lettre.config.yaml, a template): far
 * above any real newsletter (the reference issue is 4 KB; Gmail clips an email past 102 KB,
 * which ~60 KB of Markdown already makes), far below what makes a build slow or greedy.
 */
export const MAX_TEXT_BYTES = 256 * 1024;
/** Largest image or file published with an issue (a PDF programme, a photo). */
export const MAX_ASSET_BYTES = 25 * 1024 * 1024;

/** Why a file of the project could not be read. */
export type ReadFailure =
  | { reason: "missing" }
  /** A symbolic link (or a folder on the way) leads outside the folder it must stay in. */
  | { reason: "outside"; target: string }
  | { reason: "directory" }
  /** A FIFO, a device, a socket: reading it could block forever or never end. */
  | { reason: "not-file" }
  | { reason: "too-big"; size: number; max: number }
  | { reason: "error"; error: unknown };

export interface Inside {
  /** The project root. */
  root: string;
  /** Folder of the project (relative to root) the file must really be in; default: root. */
  within?: string;
  maxBytes: number;
}

/** Is `child` (an absolute real path) inside the folder `parent` (or that folder itself)? */
export function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return (
    relative === "" ||
    (!relative.startsWith(`..${path.sep}`) && relative !== ".." && !path.isAbsolute(relative))
  );
}

const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

/**
 * Reads a file of the project: `file` (relative to `root`) after following every symbolic
 * link must still be inside the real `within` folder, itself inside the real project root;
 * it must be a regular file (never a FIFO or a device, which would block or never end) of at
 * most `maxBytes`, checked before reading and while reading (a file may grow).
 *
 * Each step is a synchronous call: project files are small and local, and a build reads
 * hundreds of them, which the thread pool behind asynchronous calls makes three times
 * slower. A FIFO never blocks: it is opened non-blocking and refused before any read.
 */
export async function readInside(
  file: string,
  options: Inside,
): Promise<{ bytes: Buffer } | ReadFailure> {
  let real: string;
  let boundary: string;
  try {
    const root = realpathSync.native(options.root);
    boundary = realpathSync.native(path.join(options.root, options.within ?? ""));
    if (!isInside(boundary, root)) return { reason: "outside", target: boundary };
    real = realpathSync.native(path.join(options.root, file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "ENOENT" || code === "ENOTDIR"
      ? { reason: "missing" }
      : { reason: "error", error };
  }
  if (!isInside(real, boundary)) return { reason: "outside", target: real };
  let fd: number;
  try {
    // Non-blocking: opening a FIFO would otherwise wait for a writer. No link followed: the
    // path is already the real one, so a link put there since is refused, not followed.
    fd = openSync(real, OPEN_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { reason: "missing" };
    if (code === "ELOOP") return { reason: "outside", target: real };
    return { reason: "error", error };
  }
  try {
    // A folder on the way may have been swapped for a link between realpath and open
    // (O_NOFOLLOW guards only the last part): ask the kernel what was really opened, in one
    // call. Where there is no /proc (macOS), this second check is not made.
    let opened = real;
    try {
      opened = readlinkSync(`/proc/self/fd/${fd}`).replace(/ \(deleted\)$/, "");
    } catch {}
    if (!isInside(opened, boundary)) return { reason: "outside", target: opened };
    const stats = fstatSync(fd);
    if (stats.isDirectory()) return { reason: "directory" };
    if (!stats.isFile()) return { reason: "not-file" };
    if (stats.size > options.maxBytes) {
      return { reason: "too-big", size: stats.size, max: options.maxBytes };
    }
    // Read at most one byte more than allowed: enough to know the file is too big. The first
    // read is of the size the file has, plus one byte (it may have grown since).
    const chunks: Buffer[] = [];
    let total = 0;
    for (let size = stats.size + 1; ; size = 64 * 1024) {
      const chunk = Buffer.allocUnsafe(Math.min(size, options.maxBytes + 1 - total));
      const bytesRead = readSync(fd, chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > options.maxBytes) {
        return { reason: "too-big", size: total, max: options.maxBytes };
      }
    }
    return { bytes: Buffer.concat(chunks, total) };
  } catch (error) {
    return { reason: "error", error };
  } finally {
    closeSync(fd);
  }
}

/**
 * The entries of a folder of the project (`dir`, relative to `root`), listed only when the
 * folder, after following every link, is really inside the real `within` folder: a folder
 * that is a link to /usr is refused whole, never walked. A missing folder has no entries.
 */
export async function listInside(
  dir: string,
  options: Omit<Inside, "maxBytes">,
): Promise<{ entries: Dirent[] } | ReadFailure> {
  let real: string;
  try {
    const boundary = await realpath(path.join(options.root, options.within ?? ""));
    real = await realpath(path.join(options.root, dir));
    if (!isInside(real, boundary) || !isInside(boundary, await realpath(options.root))) {
      return { reason: "outside", target: real };
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "ENOENT" || code === "ENOTDIR" ? { entries: [] } : { reason: "error", error };
  }
  try {
    return { entries: await readdir(real, { withFileTypes: true }) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "ENOTDIR" ? { reason: "not-file" } : { reason: "error", error };
  }
}

/** The message for a file that could not be read, for a diagnostic. */
export function readFailureMessage(failure: ReadFailure, file: string): string {
  switch (failure.reason) {
    case "missing":
      return t("file-read", { detail: t("file-missing") });
    case "outside":
      return t("file-outside", { file, target: failure.target });
    case "directory":
      return t("file-read", { detail: t("is-directory") });
    case "not-file":
      return t("file-not-regular", { file });
    case "too-big":
      // An issue is too long for an email; a config or a template is simply not one.
      return t(/^newsletters\/[^/]+\.md$/.test(file) ? "file-too-big" : "text-too-big", {
        size: fileSize(failure.size),
        max: fileSize(failure.max),
      });
    case "error":
      return t("file-read", { detail: String((failure.error as Error).message) });
  }
}

/** 262 144 bytes → "256 Ko" in French, "256 KB" in English; "25 Mo", "25 MB" from 1 MiB. */
export function fileSize(bytes: number): string {
  const fr = getLocale() === "fr";
  const mega = bytes >= 1024 * 1024;
  const value = new Intl.NumberFormat(fr ? "fr-FR" : "en-GB", { maximumFractionDigits: 1 }).format(
    bytes / (mega ? 1024 * 1024 : 1024),
  );
  return `${value} ${mega ? (fr ? "Mo" : "MB") : fr ? "Ko" : "KB"}`;
}

/**
 * Reads a UTF-8 text file. An unreadable file or one in another encoding (Latin-1 from an
 * old Windows editor) is a diagnostic, never a crash or silently garbled text. With `inside`,
 * the file must be a regular file of the project of at most `maxBytes` (see readInside).
 */
export async function readText(
  absolute: string,
  file: string,
  inside?: Inside,
): Promise<{ text?: string; diagnostics: Diagnostic[]; missing?: true }> {
  let bytes: Buffer;
  if (inside) {
    const read = await readInside(path.relative(inside.root, absolute), inside);
    if (!("bytes" in read)) {
      const rule =
        read.reason === "too-big"
          ? "file-too-big"
          : read.reason === "outside"
            ? "file-outside"
            : "file-read";
      return {
        diagnostics: [
          {
            file,
            rule,
            severity: "error",
            message: readFailureMessage(read, file),
            ...(read.reason === "error" ? { cause: read.error } : {}),
          },
        ],
        ...(read.reason === "missing" ? { missing: true as const } : {}),
      };
    }
    bytes = read.bytes;
  } else {
    try {
      bytes = await readFile(absolute);
    } catch (error) {
      const detail =
        (error as NodeJS.ErrnoException).code === "EISDIR"
          ? t("is-directory")
          : String((error as Error).message);
      return {
        diagnostics: [
          {
            file,
            rule: "file-read",
            severity: "error",
            message: t("file-read", { detail }),
            cause: error,
          },
        ],
      };
    }
  }
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes), diagnostics: [] };
  } catch {
    const text = bytes.toString("latin1");
    const bad = new TextDecoder("utf-8").decode(bytes).indexOf("\uFFFD");
    const line = bad < 0 ? 1 : text.slice(0, bad).split("\n").length;
    return {
      diagnostics: [{ file, line, rule: "encoding", severity: "error", message: t("encoding") }],
    };
  }
}
