import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach } from "vitest";
import { setLocale } from "../src/core/i18n.ts";

export const REPO = path.resolve(import.meta.dirname, "..");
export const FIXTURES = path.join(REPO, "test", "fixtures");

const made: string[] = [];
afterEach(async () => {
  setLocale("fr");
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** The config of the test projects: the example's, frozen, so that editing the example's
 * lettre.config.yaml (its name, its address) changes no test. */
export const CONFIG = path.join(FIXTURES, "project", "lettre.config.yaml");

/**
 * A throw-away project in a temporary folder: the config of the tests (`CONFIG`), the
 * built-in theme (no templates/ of its own unless `theme` copies all of it in, as a project
 * that took every template over), plus `files` (paths relative to the project root).
 * Removed after the test, or, with `forSuite`, left to the caller (for a project made in
 * `beforeAll`).
 */
export async function makeProject(
  files: Record<string, string> = {},
  options: { forSuite?: boolean; theme?: boolean } = {},
): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "lettre-test-"));
  if (!options.forSuite) made.push(root);
  if (options.theme) {
    await cp(path.join(REPO, "templates"), path.join(root, "templates"), { recursive: true });
  }
  await cp(CONFIG, path.join(root, "lettre.config.yaml"));
  await mkdir(path.join(root, "newsletters"), { recursive: true });
  for (const [file, content] of Object.entries(files)) await put(root, file, content);
  return root;
}

/** A project whose newsletters/ is a copy of `test/fixtures/<name>/newsletters` (images too). */
export async function fixtureProject(
  name: string,
  options: { forSuite?: boolean } = {},
): Promise<string> {
  const root = await makeProject({}, options);
  await cp(path.join(FIXTURES, name, "newsletters"), path.join(root, "newsletters"), {
    recursive: true,
  });
  return root;
}

export async function put(root: string, file: string, content: string): Promise<void> {
  await mkdir(path.dirname(path.join(root, file)), { recursive: true });
  await writeFile(path.join(root, file), content);
}

export function read(root: string, file: string): Promise<string> {
  return readFile(path.join(root, file), "utf8");
}

/** A file of the built-in theme (`templates/…`). */
export function builtin(file: string): Promise<string> {
  return readFile(path.join(REPO, file), "utf8");
}

/** A file of the theme as a project sees it: its own, else the built-in one. */
export async function readTheme(root: string, file: string): Promise<string> {
  return read(root, file).catch(() => builtin(file));
}

export function fixture(...parts: string[]): Promise<string> {
  return readFile(path.join(FIXTURES, ...parts), "utf8");
}

/**
 * An export of `lettre list export` cut after its status column: without the source, proof
 * of consent and trail columns (their times change from run to run). Each of those cells
 * holds no `;` or line break in the lists these tests import.
 */
export function withoutRecords(csv: string): string {
  return csv
    .replace(";status;source;signed_up;confirmed;consent_page;consent_text;ip;history", ";status")
    .replace(/;(subscribed|unsubscribed|bounced|pending)(;[^;\r\n]*){7}(?=\r\n)/g, ";$1");
}
