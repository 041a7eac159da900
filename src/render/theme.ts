/**
 * The theme: the built-in templates that ship with lettre (its own `templates/` folder), and
 * the project's `templates/`, whose files replace the built-in ones file by file. A project
 * needs no `templates/` at all; a template lettre gains later is used by older projects at
 * once. In this repository the project's `templates/` is the built-in theme itself.
 *
 * Paths are written as the project sees them: `templates/email/partials/footer.hbs`. A
 * file read from the built-in theme is shown where it really is (`node_modules/lettre/…`),
 * so that an error never names a file the editor does not have.
 */
import { readFileSync, realpathSync } from "node:fs";
import path from "node:path";
import { listInside, type ReadFailure, readInside } from "../core/files.ts";

/** The package's own folder (bin/, src/ or lib/, templates/, starter/). */
export const PACKAGE_ROOT = path.resolve(import.meta.dirname, "../..");
export const TEMPLATES_DIR = "templates";

export type Origin = "project" | "builtin";

export interface Theme {
  /** The project's root. */
  root: string;
  /**
   * The folder whose `templates/` is the built-in theme (lettre's package), or undefined when
   * the project's `templates/` is the built-in theme itself (this repository).
   */
  builtin: string | undefined;
}

/** The theme of the project at `root`. */
export function themeOf(root: string, builtinRoot = PACKAGE_ROOT): Theme {
  const real = (dir: string) => {
    try {
      return realpathSync.native(path.join(dir, TEMPLATES_DIR));
    } catch {
      return undefined;
    }
  };
  const own = real(root);
  return {
    root,
    builtin: own !== undefined && own === real(builtinRoot) ? undefined : builtinRoot,
  };
}

/** Where a file of the theme comes from and how to name it in a message. */
export function shownFile(theme: Theme, file: string, origin: Origin): string {
  if (origin === "project" || !theme.builtin) return file;
  const absolute = path.join(theme.builtin, file);
  const relative = path.relative(theme.root, absolute);
  return relative.startsWith("..") || path.isAbsolute(relative) ? absolute : relative;
}

type Read = ({ bytes: Buffer } | ReadFailure) & { origin: Origin };

/** The root one side of the theme is read from: the package's, or the project's. */
export function side(theme: Theme, origin: Origin): string {
  return origin === "builtin" && theme.builtin ? theme.builtin : theme.root;
}

/** Reads `file` (`templates/…`) of one side; it must really be inside that side's templates/. */
export function readSide(theme: Theme, file: string, origin: Origin, maxBytes: number) {
  return readInside(file, { root: side(theme, origin), within: TEMPLATES_DIR, maxBytes });
}

/**
 * Reads `file` (`templates/…`): the project's when it has one, else the built-in one. A
 * project file that exists but cannot be read (a link out of templates/, too big) is that
 * failure, never silently replaced by the built-in.
 */
export async function readThemeFile(theme: Theme, file: string, maxBytes: number): Promise<Read> {
  const own = await readSide(theme, file, "project", maxBytes);
  if ("bytes" in own || own.reason !== "missing" || !theme.builtin) {
    return { ...own, origin: "project" };
  }
  return { ...(await readSide(theme, file, "builtin", maxBytes)), origin: "builtin" };
}

export interface Listed {
  /** Where each entry comes from, by name; the project's replaces the built-in one. */
  entries: Map<string, Origin>;
  /** A folder of the project that may not be listed (a link out of templates/…). */
  failure?: ReadFailure;
}

/** The entries of a theme folder (`templates/…`): the built-in's and the project's. */
export async function listThemeDir(theme: Theme, dir: string): Promise<Listed> {
  const entries: Listed["entries"] = new Map();
  const origins: Origin[] = theme.builtin ? ["builtin", "project"] : ["project"];
  for (const origin of origins) {
    const listed = await listInside(dir, { root: side(theme, origin), within: TEMPLATES_DIR });
    if (!("entries" in listed)) return { entries, failure: listed };
    for (const entry of listed.entries) {
      entries.set(entry.name, origin);
    }
  }
  return { entries };
}

/**
 * Every file of one side of the theme (`templates/…` paths, sorted): the built-in theme's, or
 * the project's own (never through a link out of its templates/).
 */
export async function themeFiles(theme: Theme, origin: Origin): Promise<string[]> {
  if (origin === "builtin" && !theme.builtin) return [];
  const files: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    const listed = await listInside(dir, { root: side(theme, origin), within: TEMPLATES_DIR });
    if (!("entries" in listed)) return;
    for (const entry of listed.entries) {
      const file = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (depth < 8) await walk(file, depth + 1);
      } else if (entry.isFile()) files.push(file);
    }
  };
  await walk(TEMPLATES_DIR, 0);
  return files.sort();
}

/** lettre's package.json (the one in `root`: this lettre's own by default), or {}. */
export function lettreManifest(root = PACKAGE_ROOT): {
  version?: string;
  dependencies?: Record<string, string>;
} {
  try {
    return JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
  } catch {
    return {};
  }
}

/** The version of lettre (the one in `root`: this lettre's own by default). */
export function lettreVersion(root = PACKAGE_ROOT): string {
  return String(lettreManifest(root).version ?? "?");
}

/** The version of lettre the built-in theme comes with. */
export function builtinVersion(theme: Theme): string {
  return lettreVersion(theme.builtin ?? PACKAGE_ROOT);
}
