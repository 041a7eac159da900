/**
 * `lettre templates`: what a project takes over from the built-in theme, and how it keeps up
 * with lettre's later versions.
 *
 * - `lettre templates`: the project's templates, each with where it stands.
 * - `lettre templates eject <file|folder>…`: copies built-in files into templates/ to edit,
 *   and records in templates/ejected.yaml the text each came from (and lettre's version).
 * - `lettre templates diff [file]…`: for each, what the built-in changed since it was copied
 *   (or, with no record, how the project's file differs from the built-in one).
 * - `lettre templates update <file>…`: brings those changes into the project's file when
 *   they apply cleanly; `--resolved` records the built-in as merged by hand.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, realpath, writeFile } from "node:fs/promises";
import path from "node:path";
import { styleText } from "node:util";
import { applyPatch, createTwoFilesPatch, structuredPatch } from "diff";
import { isMap, parseDocument, stringify } from "yaml";
import { z } from "zod";
import { isInside, MAX_TEXT_BYTES } from "../core/files.ts";
import { suggestion, t } from "../core/i18n.ts";
import {
  builtinVersion,
  type Origin,
  readSide,
  TEMPLATES_DIR,
  type Theme,
  themeFiles,
  themeOf,
} from "../render/theme.ts";

/** Where `eject` records what each file was copied from. */
const EJECTED_FILE = `${TEMPLATES_DIR}/ejected.yaml`;

const recordSchema = z.strictObject({
  version: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  base: z.string(),
});
type Record_ = z.infer<typeof recordSchema>;

export async function runTemplates(
  root: string,
  args: string[],
  options: { resolved?: boolean | undefined },
): Promise<number> {
  const [action = "list", ...files] = args;
  const theme = themeOf(root);
  if (!theme.builtin) {
    console.log(t("templates-is-builtin"));
    return 0;
  }
  if (!["list", "eject", "diff", "update"].includes(action)) {
    console.error(
      t("templates-usage-unknown", {
        value: action,
        suggestion: suggestion(action, ["eject", "diff", "update"]),
      }),
    );
    return 2;
  }
  const state = await readState(theme);
  if (typeof state === "string") {
    console.error(state);
    return 1;
  }
  if (action === "list") return list(theme, state);
  if (action === "eject") return eject(theme, state, files);
  if (action === "diff") return diff(theme, state, files);
  return update(theme, state, files, options.resolved === true);
}

interface State {
  builtin: string[];
  own: string[];
  records: Map<string, Record_>;
  version: string;
}

async function readState(theme: Theme): Promise<State | string> {
  const records = await readRecords(theme);
  if (typeof records === "string") return records;
  return {
    builtin: await themeFiles(theme, "builtin"),
    own: (await themeFiles(theme, "project")).filter((f) => f !== EJECTED_FILE),
    records,
    version: builtinVersion(theme),
  };
}

/** The text of a file of one side of the theme, or undefined. */
async function textOf(theme: Theme, file: string, origin: Origin): Promise<string | undefined> {
  const read = await readSide(theme, file, origin, MAX_TEXT_BYTES);
  return "bytes" in read ? read.bytes.toString("utf8") : undefined;
}

type Status = "own" | "current" | "changed" | "same" | "edited";

/** Where a project's file stands against the built-in one. */
async function statusOf(theme: Theme, state: State, file: string): Promise<Status> {
  if (!state.builtin.includes(file)) return "own";
  const builtin = (await textOf(theme, file, "builtin")) ?? "";
  const record = state.records.get(file);
  if (record) return record.base === builtin ? "current" : "changed";
  return (await textOf(theme, file, "project")) === builtin ? "same" : "edited";
}

async function list(theme: Theme, state: State): Promise<number> {
  const used = state.builtin.filter((f) => !state.own.includes(f)).length;
  if (state.own.length === 0) {
    console.log(t("templates-none", { count: used, version: state.version }));
    return 0;
  }
  console.log(t("templates-own", { version: state.version }));
  const width = Math.max(...state.own.map((f) => f.length));
  for (const file of state.own) {
    const status = await statusOf(theme, state, file);
    const from = state.records.get(file)?.version ?? "";
    console.log(`  ${file.padEnd(width)}  ${t(`templates-status-${status}`, { from, file })}`);
  }
  if (used > 0) console.log(t("templates-used", { count: used }));
  return 0;
}

/**
 * The files among `files` an argument names, with or without `templates/`: one of them, every
 * one in a folder of them, or those with that name alone (`footer.hbs`, `byName`).
 */
function named(files: string[], arg: string): { found: string[]; byName: boolean } {
  const clean = cleaned(arg);
  const file = clean.startsWith(`${TEMPLATES_DIR}/`) ? clean : `${TEMPLATES_DIR}/${clean}`;
  const found = files.filter((f) => f === file || f.startsWith(`${file}/`));
  if (found.length > 0) return { found, byName: false };
  return { found: files.filter((f) => path.posix.basename(f) === clean), byName: true };
}

/** An argument as a path inside templates/: `/` separators, no `./` before, no `/` after. */
function cleaned(arg: string): string {
  return arg.replace(/\\/g, "/").replace(/^\.\//, "").replace(/\/+$/, "");
}

/** The built-in files an argument names, or why it names none. */
function resolve(state: State, arg: string): string[] | string {
  const { found, byName } = named(state.builtin, arg);
  if (found.length === 1 || (found.length > 1 && !byName)) return found;
  if (found.length > 1) return t("templates-ambiguous", { value: arg, known: found.join(", ") });
  const short = state.builtin.map((f) => f.slice(TEMPLATES_DIR.length + 1));
  return t("templates-unknown", { value: arg, suggestion: suggestion(cleaned(arg), short) });
}

async function eject(theme: Theme, state: State, args: string[]): Promise<number> {
  if (args.length === 0) {
    console.error(t("templates-eject-which"));
    for (const file of state.builtin) console.error(`  ${file.slice(TEMPLATES_DIR.length + 1)}`);
    return 2;
  }
  const wanted: string[] = [];
  for (const arg of args) {
    const files = resolve(state, arg);
    if (typeof files === "string") {
      console.error(files);
      return 2;
    }
    wanted.push(...files.filter((f) => !wanted.includes(f)));
  }
  let code = 0;
  for (const file of wanted) {
    if (state.own.includes(file)) {
      console.error(t("templates-eject-exists", { file }));
      code = 1;
      continue;
    }
    const text = await textOf(theme, file, "builtin");
    if (text === undefined) continue;
    if (!(await writeTheme(theme, file, text, "wx"))) return 1;
    state.records.set(file, record(text, state.version));
    state.own.push(file);
    console.log(t("templates-ejected", { file, version: state.version }));
  }
  if (!(await writeRecords(theme, state.records))) return 1;
  if (wanted.includes(`${TEMPLATES_DIR}/labels.yaml`)) console.log(t("templates-labels-hint"));
  return code;
}

async function diff(theme: Theme, state: State, args: string[]): Promise<number> {
  const files = args.length > 0 ? await chosen(state, args) : state.own;
  if (typeof files === "number") return files;
  if (files.length === 0) {
    console.log(t("templates-none", { count: state.builtin.length, version: state.version }));
    return 0;
  }
  for (const file of files) {
    const status = await statusOf(theme, state, file);
    const record = state.records.get(file);
    const builtin = (await textOf(theme, file, "builtin")) ?? "";
    if (settled(file, status, record?.version ?? "")) continue;
    if (status === "changed" && record) {
      console.log(
        paint(
          "bold",
          t("templates-diff-changed", { file, from: record.version, to: state.version }),
        ),
      );
      console.log(patch(file, record.base, builtin, record.version, state.version));
      console.log(t("templates-diff-update", { file }));
    } else {
      const own = (await textOf(theme, file, "project")) ?? "";
      console.log(paint("bold", t("templates-diff-edited", { file })));
      console.log(patch(file, own, builtin, t("templates-yours"), state.version));
    }
  }
  return 0;
}

async function update(
  theme: Theme,
  state: State,
  args: string[],
  resolved: boolean,
): Promise<number> {
  if (args.length === 0) {
    console.error(t("templates-update-which"));
    return 2;
  }
  const files = await chosen(state, args);
  if (typeof files === "number") return files;
  let code = 0;
  for (const file of files) {
    const status = await statusOf(theme, state, file);
    const builtin = (await textOf(theme, file, "builtin")) ?? "";
    if (settled(file, status, state.version)) continue;
    if (resolved) {
      state.records.set(file, record(builtin, state.version));
      console.log(t("templates-resolved", { file, version: state.version }));
      continue;
    }
    const base = state.records.get(file)?.base;
    const own = await textOf(theme, file, "project");
    const merged =
      base === undefined || own === undefined
        ? false
        : applyPatch(own, structuredPatch(file, file, base, builtin), { fuzzFactor: 0 });
    if (merged === false) {
      console.error(
        t(base === undefined ? "templates-update-no-record" : "templates-update-conflict", {
          file,
        }),
      );
      code = 1;
      continue;
    }
    if (!(await writeTheme(theme, file, merged))) return 1;
    state.records.set(file, record(builtin, state.version));
    console.log(t("templates-updated", { file, version: state.version }));
  }
  if (!(await writeRecords(theme, state.records))) return 1;
  return code;
}

/** The project's files that `args` name (each must be one of its templates). */
async function chosen(state: State, args: string[]): Promise<string[] | number> {
  const files: string[] = [];
  for (const arg of args) {
    const { found, byName } = named(state.own, arg);
    if (found.length === 0 || (byName && found.length > 1)) {
      const known = resolve(state, arg);
      console.error(
        typeof known === "string" ? known : t("templates-not-own", { file: known[0] ?? arg }),
      );
      return 2;
    }
    files.push(...found.filter((f) => !files.includes(f)));
  }
  return files;
}

/** Says where a file stands when there is nothing to diff or update in it; true then. */
function settled(file: string, status: Status, from: string): boolean {
  if (status !== "own" && status !== "current" && status !== "same") return false;
  const said = t(`templates-status-${status}`, { from });
  console.log(t("templates-file-status", { file, status: said }));
  return true;
}

function record(text: string, version: string): Record_ {
  return { version, sha256: sha256(text), base: text };
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** A unified diff, coloured on a terminal. */
function patch(file: string, from: string, to: string, fromLabel: string, toLabel: string) {
  const text = createTwoFilesPatch(file, file, from, to, fromLabel, toLabel, { context: 3 })
    .split("\n")
    .slice(1)
    .join("\n")
    .trimEnd();
  if (!process.stdout.isTTY) return text;
  return text
    .split("\n")
    .map((line) =>
      /^\+(?!\+\+)/.test(line)
        ? styleText("green", line)
        : /^-(?!--)/.test(line)
          ? styleText("red", line)
          : /^@@/.test(line)
            ? styleText("cyan", line)
            : line,
    )
    .join("\n");
}

function paint(format: Parameters<typeof styleText>[0], text: string): string {
  return process.stdout.isTTY ? styleText(format, text) : text;
}

/**
 * templates/ejected.yaml, checked: a record whose text no longer matches its hash (edited by
 * hand) is dropped, so that it never shows a wrong diff. A file that cannot be read or
 * understood is said, with the fix.
 */
async function readRecords(theme: Theme): Promise<Map<string, Record_> | string> {
  const records = new Map<string, Record_>();
  // Every copied file's text: the whole built-in theme is 52 KB; 4 MB is far above.
  const read = await readSide(theme, EJECTED_FILE, "project", 16 * MAX_TEXT_BYTES);
  if (!("bytes" in read)) {
    return read.reason === "missing" ? records : t("templates-records-unreadable");
  }
  const document = parseDocument(read.bytes.toString("utf8"));
  if (document.errors.length > 0 || (document.contents && !isMap(document.contents))) {
    return t("templates-records-unreadable");
  }
  const data = (document.toJS() ?? {}) as Record<string, unknown>;
  for (const [file, value] of Object.entries(data)) {
    const parsed = recordSchema.safeParse(value);
    if (parsed.success && sha256(parsed.data.base) === parsed.data.sha256) {
      records.set(file, parsed.data);
    }
  }
  return records;
}

async function writeRecords(theme: Theme, records: Map<string, Record_>): Promise<boolean> {
  if (records.size === 0) return true;
  const sorted = Object.fromEntries([...records].sort(([a], [b]) => a.localeCompare(b)));
  const text = `${t("templates-records-header")
    .split("\n")
    .map((line) => `# ${line}`.trimEnd())
    .join("\n")}\n${stringify(sorted, { lineWidth: 0, blockQuote: "literal" })}`;
  return writeTheme(theme, EJECTED_FILE, text);
}

/**
 * Writes a file of the project's templates/ (`flag` "wx": only a new one). The folder it
 * goes in must really be inside the project's templates/: a link out of it is refused, as
 * reading refuses it. Says why when it cannot, and returns false.
 */
async function writeTheme(theme: Theme, file: string, text: string, flag = "w"): Promise<boolean> {
  const refused = await refusal(theme, file, text, flag);
  if (refused) console.error(refused);
  return refused === undefined;
}

/** Why `file` cannot be written (see writeTheme), after writing it when it can. */
async function refusal(
  theme: Theme,
  file: string,
  text: string,
  flag: string,
): Promise<string | undefined> {
  const target = path.join(theme.root, file);
  try {
    // No link on the way from the project to the deepest folder there already: what is
    // made is made inside templates/, never through a link elsewhere.
    let existing = path.dirname(target);
    while (!existsSync(existing)) existing = path.dirname(existing);
    const real = await realpath(existing);
    const expected = path.join(await realpath(theme.root), path.relative(theme.root, existing));
    if (real !== expected) {
      return t("file-outside", { file: path.relative(theme.root, existing), target: real });
    }
    await mkdir(path.dirname(target), { recursive: true });
    const folder = await realpath(path.dirname(target));
    const templates = await realpath(path.join(theme.root, TEMPLATES_DIR));
    if (!isInside(folder, templates) || !isInside(templates, await realpath(theme.root))) {
      return t("file-outside", { file: path.dirname(file), target: folder });
    }
    await writeFile(target, text, { flag });
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return `${file}: ${t("file-write", { detail: code ?? (error as Error).message })}`;
  }
}
