/**
 * The command line: parses arguments, calls the pipeline, prints diagnostics. Editors
 * never see a stack trace unless they pass --debug.
 */
import { fstatSync } from "node:fs";
import { access, mkdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs, styleText } from "node:util";
import {
  type Diagnostic,
  formatDiagnostic,
  LettreError,
  sortDiagnostics,
} from "../core/diagnostic.ts";
import { readText } from "../core/files.ts";
import {
  kilobytes,
  type Locale,
  SUPPORTED_LOCALES,
  setLocale,
  suggestion,
  t,
} from "../core/i18n.ts";
import type { BuildEvent } from "../watch/index.ts";
import { scaffoldIssue } from "./scaffold.ts";

const COMMANDS = [
  "init",
  "build",
  "check",
  "new",
  "dev",
  "list",
  "subscriber",
  "send",
  "serve",
  "inbox",
  "templates",
];

const OPTIONS = {
  drafts: { type: "boolean" },
  watch: { type: "boolean" },
  port: { type: "string" },
  host: { type: "string" },
  list: { type: "string" },
  transport: { type: "string" },
  yes: { type: "boolean", short: "y" },
  "dry-run": { type: "boolean" },
  test: { type: "string" },
  "resend-unknown": { type: "boolean" },
  json: { type: "boolean" },
  inbox: { type: "boolean" },
  csv: { type: "boolean" },
  strict: { type: "boolean" },
  debug: { type: "boolean" },
  root: { type: "string" },
  out: { type: "string" },
  lang: { type: "string" },
  force: { type: "boolean" },
  name: { type: "string" },
  url: { type: "string" },
  "sender-name": { type: "string" },
  "sender-address": { type: "string" },
  resolved: { type: "boolean" },
  version: { type: "boolean", short: "v" },
  help: { type: "boolean", short: "h" },
} as const;

function paint(format: Parameters<typeof styleText>[0], text: string): string {
  return process.stderr.isTTY ? styleText(format, text) : text;
}

function print(diagnostics: Diagnostic[], debug: boolean): void {
  const errors = sortDiagnostics(diagnostics.filter((d) => d.severity === "error"));
  const warnings = sortDiagnostics(diagnostics.filter((d) => d.severity === "warning"));
  if (warnings.length > 0) {
    console.error(paint("yellow", t("cli-warnings", { count: warnings.length })));
    for (const d of warnings) console.error(`  ${formatDiagnostic(d)}`);
  }
  for (const d of errors) {
    console.error(paint("red", formatDiagnostic(d)));
    if (debug && d.cause instanceof Error) console.error(d.cause.stack);
  }
}

/**
 * Output that cannot be written: a reader that went away (`lettre list export x | head`) is
 * no error, lettre goes on quietly; a full disk or a closed terminal is said, exit 1. Never
 * Node's stack trace.
 */
function guardOutput(): void {
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") return;
    console.error(t("cli-output-failed", { detail: error.code ?? error.message }));
    process.exit(1);
  });
}

export async function main(argv: string[]): Promise<number> {
  const envLang = process.env.LETTRE_LANG;
  setLocale(envLang);
  guardOutput();
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  } catch (error) {
    const option = /'(-[^']+)'/.exec((error as Error).message)?.[1];
    const names = Object.keys(OPTIONS).map((name) => `--${name}`);
    console.error(
      option && (error as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION"
        ? t("cli-unknown-option", { value: option, suggestion: suggestion(option, names) })
        : t("cli-bad-option", { detail: (error as Error).message }),
    );
    console.error(t("cli-usage"));
    return 2;
  }
  const { values, positionals } = parsed;
  const lang = values.lang as Locale | undefined;
  if (lang && !(SUPPORTED_LOCALES as readonly string[]).includes(lang)) {
    console.error(t("cli-bad-option", { detail: `--lang ${lang} (fr, en)` }));
    return 2;
  }
  setLocale(lang);
  const [command, ...rest] = positionals;
  if (values.version) {
    const { lettreVersion } = await import("../render/theme.ts");
    console.log(`lettre ${lettreVersion()} (Node.js ${process.version})`);
    return 0;
  }
  if (values.help || !command) {
    console.log(t("cli-usage"));
    return values.help ? 0 : 2;
  }
  if (!COMMANDS.includes(command)) {
    console.error(
      t("cli-unknown-command", { value: command, suggestion: suggestion(command, COMMANDS) }),
    );
    console.error(t("cli-usage"));
    return 2;
  }
  const extra = rest[argumentCount(command, rest)];
  if (extra !== undefined) {
    console.error(t("cli-extra-argument", { value: extra, command }));
    return 2;
  }
  const root = path.resolve(values.root ?? process.cwd());
  const debug = values.debug === true;
  // `init` makes its own folder; --root is for the commands of a project.
  if (command !== "init" && !(await stat(root).catch(() => undefined))?.isDirectory()) {
    console.error(t("cli-root-missing", { value: values.root ?? root }));
    return 2;
  }
  try {
    if (command === "init") {
      const { runInit } = await import("./init.ts");
      return await runInit({
        folder: rest[0] ?? ".",
        yes: values.yes === true,
        force: values.force === true,
        name: values.name,
        url: values.url,
        senderName: values["sender-name"],
        senderAddress: values["sender-address"],
        lang: lang ?? (envLang === "en" || envLang === "fr" ? envLang : undefined),
      });
    }
    if (command === "new") return await newIssue(root, rest[0]);
    if (command === "list") return await runList(root, rest);
    if (command === "templates") {
      const { runTemplates } = await import("./templates.ts");
      return await runTemplates(root, rest, { resolved: values.resolved });
    }
    if (command === "inbox") {
      const { runInbox } = await import("./inbox.ts");
      return await runInbox(root, rest, { json: values.json });
    }
    if (command === "subscriber") {
      const { runSubscriber } = await import("./subscriber.ts");
      return await runSubscriber(root, rest, { json: values.json, yes: values.yes });
    }
    if (command === "send") {
      const status = rest[0] === "status";
      const args = {
        root,
        slug: status ? rest[1] : rest[0],
        list: values.list,
        transport: values.transport,
        yes: values.yes === true,
        dryRun: values["dry-run"] === true,
        test: values.test,
        resendUnknown: values["resend-unknown"] === true,
        json: values.json === true,
        csv: values.csv === true,
        lang: (lang || envLang || undefined) as Locale | undefined,
      };
      const { runSend, runSendStatus } = await import("./send.ts");
      return status ? await runSendStatus(args) : await runSend(args);
    }
    if (command === "serve") {
      const port = values.port === undefined ? 8080 : Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        console.error(t("cli-port"));
        return 2;
      }
      return await runServe({
        root,
        port,
        host: values.host ?? "127.0.0.1",
        inbox: values.inbox === true,
        ...(values.out ? { out: values.out } : {}),
        ...(lang || envLang ? { lang: (lang ?? envLang) as Locale } : {}),
      });
    }
    if (command === "dev" || (command === "build" && values.watch)) {
      const port = values.port === undefined ? 0 : Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        console.error(t("cli-port"));
        return 2;
      }
      return await runWatch(command === "dev", {
        root,
        debug,
        port,
        // Editors preview the issue they are writing: drafts are shown in `dev`.
        drafts: command === "dev" || values.drafts === true,
        ...(values.out ? { out: values.out } : {}),
        ...(lang || envLang ? { lang: (lang ?? envLang) as Locale } : {}),
      });
    }
    return await runBuild(command === "check", {
      root,
      debug,
      drafts: values.drafts === true,
      strict: values.strict === true,
      ...(values.out ? { out: values.out } : {}),
      ...(lang || envLang ? { lang: (lang ?? envLang) as Locale } : {}),
    });
  } catch (error) {
    if (error instanceof LettreError) {
      print(error.diagnostics, debug);
      return 1;
    }
    // The database failed after it was opened (locked, read-only, damaged): name the fix.
    if ((error as { code?: string })?.code === "ERR_SQLITE_ERROR") {
      const { DATABASE_FILE, databaseError } = await import("../send/store.ts");
      const explained = databaseError(error, path.join(root, DATABASE_FILE));
      if (explained) {
        print(explained.diagnostics, debug);
        return 1;
      }
    }
    console.error(paint("red", t("internal-error", { detail: (error as Error)?.message })));
    if (debug) console.error(error);
    return 1;
  }
}

/**
 * How many arguments `command` takes after its name: the one after them is one too many.
 * (A number past the end, for the commands whose arguments are their subcommands' business.)
 */
function argumentCount(command: string, rest: string[]): number {
  if (["list", "subscriber", "inbox", "templates"].includes(command)) return rest.length;
  if (command === "new" || command === "init") return 1;
  if (command === "send") return rest[0] === "status" ? 2 : 1;
  return 0;
}

/** `lettre serve`: until Ctrl-C or SIGTERM, then requests in flight are answered. */
async function runServe(options: {
  root: string;
  port: number;
  host: string;
  inbox: boolean;
  out?: string;
  lang?: Locale;
}): Promise<number> {
  const { chooseSecret } = await import("../send/token.ts");
  // The same rules as `lettre send`, which signed the links with it.
  const chosen = chooseSecret(process.env.LETTRE_UNSUBSCRIBE_SECRET, false);
  if ("problem" in chosen) {
    const message =
      chosen.problem === "short"
        ? t("send-secret-short", { bytes: chosen.bytes })
        : chosen.problem === "weak"
          ? t("send-secret-weak", {
              why: t(`send-secret-${chosen.reason}`, { count: chosen.distinct }),
            })
          : t("serve-needs-secret");
    console.error(paint("red", message));
    return 1;
  }
  const { startServer } = await import("../serve/index.ts");
  const serving = await startServer({ ...options, secret: chosen.secret });
  const dir = path.relative(process.cwd(), path.resolve(options.root, options.out ?? "dist"));
  for (const note of serving.notes) console.error(paint("yellow", note));
  console.log(t("cli-serving", { url: serving.url, dir: `${dir || "."}/archive/` }));
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  await serving.close();
  return 0;
}

async function runBuild(
  checkOnly: boolean,
  options: {
    root: string;
    debug: boolean;
    drafts: boolean;
    strict: boolean;
    out?: string;
    lang?: Locale;
  },
): Promise<number> {
  const { build } = await import("../pipeline/index.ts");
  const result = await build({ ...options, write: !checkOnly });
  print(result.diagnostics, options.debug);
  const errors = result.diagnostics.filter((d) => d.severity === "error").length;
  if (result.drafts.length > 0) {
    console.error(
      t("cli-drafts-skipped", { count: result.drafts.length, list: result.drafts.join(", ") }),
    );
  }
  if (!result.ok) {
    if (errors === 0) console.error(paint("red", t("cli-strict-failed")));
    else
      console.error(
        paint("red", t(checkOnly ? "cli-check-failed" : "cli-failed", { count: errors })),
      );
    return 1;
  }
  if (result.emails.length === 0 && result.drafts.length === 0) console.error(t("cli-no-issues"));
  if (checkOnly) {
    console.log(t("cli-checked", { count: result.emails.length }));
    return 0;
  }
  const dir = path.relative(options.root, result.outDir) || ".";
  console.log(t("cli-built", { count: result.emails.length, dir: `${dir}/email` }));
  for (const { issue, email } of result.emails) {
    console.log(
      t("cli-email-line", {
        file: `${dir}/email/${issue.slug}.html`,
        size: kilobytes(email.bytes),
        textSize: kilobytes(email.textBytes),
      }),
    );
  }
  console.log(t("cli-archive", { dir: `${dir}/archive/`, count: result.archivePages }));
  return 0;
}

/** `lettre dev` (with the preview server) and `lettre build --watch` (without). */
async function runWatch(
  serve: boolean,
  options: {
    root: string;
    debug: boolean;
    port: number;
    drafts: boolean;
    out?: string;
    lang?: Locale;
  },
): Promise<number> {
  let first = true;
  const onBuild = ({ result, ms }: BuildEvent) => {
    print(result.diagnostics, options.debug);
    const errors = result.diagnostics.filter((d) => d.severity === "error").length;
    if (!result.ok) {
      console.error(paint("red", t("cli-failed", { count: errors })));
    } else if (first) {
      console.log(
        t("cli-built", {
          count: result.emails.length,
          dir: path.relative(options.root, result.outDir) || ".",
        }),
      );
    } else {
      const count = result.changed.length;
      const message =
        count > 0
          ? t("dev-rebuilt", { ms: Math.round(ms), count })
          : t("dev-unchanged", { ms: Math.round(ms) });
      console.log(paint("green", message));
    }
    first = false;
  };
  const { port, ...watchOptions } = options;
  const { watch } = await import("../watch/index.ts");
  const { startPreview } = await import("../watch/server.ts");
  const running = serve
    ? await startPreview({ ...watchOptions, port, onBuild })
    : watch({ ...watchOptions, onBuild });
  await ("ready" in running ? running.ready : running.watching.ready);
  // Ctrl-C is ours only once everything runs: before that, it stops lettre as usual.
  const stop = new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  console.log("url" in running ? t("dev-listening", { url: running.url }) : t("dev-watching"));
  await stop;
  await running.close();
  console.log(t("dev-stopped"));
  return 0;
}

/** `lettre list import|show|export|remove`: the subscriber lists. */
async function runList(root: string, args: string[]): Promise<number> {
  const { listNames, listSubscribers, openDatabase, removeFromList, unsubscribe } = await import(
    "../send/store.ts"
  );
  const { checkAddress } = await import("../core/address.ts");
  const { printable } = await import("../core/terminal.ts");
  const { exportList, importList, LIST_NAME, MAX_LIST_BYTES } = await import("../send/lists.ts");
  const [action, name, target] = args;
  if (!action || !["import", "show", "export", "remove", "unsubscribe"].includes(action) || !name) {
    console.error(t("list-usage"));
    return 2;
  }
  if (action === "unsubscribe") {
    // An address, or what an unsubscribe request carries: its link, its subject, its token.
    const request = args.slice(1).join(" ");
    const address = checkAddress(request).address ?? (await unsubscribeRequest(request));
    if (typeof address === "number") return address;
    const db = openDatabase(root);
    try {
      unsubscribe(db, address);
    } finally {
      db.close();
    }
    console.log(t("list-unsubscribed", { value: printable(address) }));
    return 0;
  }
  if (!LIST_NAME.test(name)) {
    console.error(t("list-name", { value: name }));
    return 2;
  }
  const db = openDatabase(root);
  try {
    if (action === "import") {
      if (!target) {
        console.error(t("list-usage"));
        return 2;
      }
      const absolute = path.resolve(target);
      // Relative to where the editor is, unless that climbs out of it (/dev/zero, not ../../dev/zero).
      const relative = path.relative(process.cwd(), absolute);
      const shown = relative.startsWith("..") ? absolute : relative || target;
      // Before reading: only a regular file (never a device such as /dev/zero, a pipe that
      // never ends, a folder), of at most MAX_LIST_BYTES.
      const refusal = await listFileProblem(absolute);
      if (refusal) {
        print([{ file: shown, rule: "list-file", severity: "error", message: refusal }], false);
        return 1;
      }
      // Read with the same checks again (the file may have changed since): no link is
      // followed at the last step, nothing past the limit is read.
      const { text, diagnostics } = await readText(absolute, shown, {
        root: path.parse(absolute).root,
        maxBytes: MAX_LIST_BYTES,
      });
      if (text === undefined) {
        print(diagnostics, false);
        return 1;
      }
      const report = importList(db, name, text, shown);
      for (const d of report.rejected) console.error(paint("yellow", formatDiagnostic(d)));
      if (report.ignored.length > 0) {
        console.error(
          t("list-status-ignored", { columns: report.ignored.map(printable).join(", ") }),
        );
      }
      const { ignored: _, ...counts } = report;
      console.log(t("list-imported", { name, ...counts, rejected: report.rejected.length }));
      if (report.suppressed > 0) console.log(t("list-suppressed", { count: report.suppressed }));
      return report.added + report.updated === 0 && report.rejected.length > 0 ? 1 : 0;
    }
    const known = listNames(db);
    if (!known.some((list) => list.name === name)) {
      const names = known.map((list) => list.name).join(", ");
      console.error(names ? t("list-unknown", { value: name, known: names }) : t("list-none"));
      return 1;
    }
    if (action === "show") {
      const subscribers = listSubscribers(db, name);
      const suppressed = subscribers.filter((s) => s.status !== "subscribed").length;
      console.log(t("list-shown", { name, count: subscribers.length, suppressed }));
      for (const s of subscribers) {
        // Names come from CSV files: their control characters are shown, never obeyed.
        const fields = printable(Object.values(s.fields).join(", "));
        console.log(
          `  ${printable(s.address)}${fields ? `  (${fields})` : ""}${s.status === "subscribed" ? "" : `  [${t(`subscriber-status-${s.status}`)}]`}`,
        );
      }
      return 0;
    }
    if (action === "export") {
      const csv = exportList(db, name);
      if (target) {
        // `list export <list> <file.csv>`: the file, exact.
        const file = path.resolve(target);
        try {
          await writeFile(file, csv);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          const detail = code === "EISDIR" ? t("is-directory") : String(code ?? error);
          print(
            [
              {
                file: target,
                rule: "list-export",
                severity: "error",
                message: t("list-export-write", { detail }),
              },
            ],
            false,
          );
          return 1;
        }
        const count = known.find((list) => list.name === name)?.count ?? 0;
        console.log(t("list-exported", { name, count, file: printable(target) }));
        return 0;
      }
      // Redirected to a file (> liste.csv), exact. On a terminal, shown like `list show`:
      // control characters as visible signs, one subscriber a line. Anywhere else (a pipe
      // to less, head, another program), what a terminal would obey is shown too, while
      // tabs and line breaks stay, so the CSV is still one.
      const shown = stdoutIsFile()
        ? csv
        : process.stdout.isTTY
          ? csv.split("\r\n").map(printable).join("\r\n")
          : csv.replace(TERMINAL_CONTROL, printable);
      process.stdout.write(shown);
      return 0;
    }
    const count = removeFromList(db, name, target);
    console.log(t("list-removed", { count, name }));
    return 0;
  } finally {
    db.close();
  }
}

/** What a terminal obeys in text (ESC, BEL, C1, bidi overrides), but not tab, CR and LF. */
const TERMINAL_CONTROL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are what it finds
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** True when standard output is redirected to a regular file (`> liste.csv`). */
function stdoutIsFile(): boolean {
  try {
    return fstatSync(1).isFile();
  } catch {
    return false;
  }
}

/**
 * Why a file given to `list import` is not read (said before reading anything), or
 * undefined: it must be a regular file of at most MAX_LIST_BYTES.
 */
async function listFileProblem(file: string): Promise<string | undefined> {
  const { MAX_LIST_BYTES } = await import("../send/lists.ts");
  const { fileSize } = await import("../core/files.ts");
  let stats: Awaited<ReturnType<typeof stat>>;
  try {
    stats = await stat(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const detail = code === "ENOENT" || code === "ENOTDIR" ? t("file-missing") : String(code);
    return t("file-read", { detail });
  }
  if (stats.isDirectory()) return t("file-read", { detail: t("is-directory") });
  if (!stats.isFile()) return t("list-not-file");
  if (stats.size > MAX_LIST_BYTES) {
    return t("list-too-big", { size: fileSize(stats.size), max: fileSize(MAX_LIST_BYTES) });
  }
  return undefined;
}

/**
 * The address an unsubscribe request (link, mail subject or token) names, checked with
 * LETTRE_UNSUBSCRIBE_SECRET; or the exit code after saying what is wrong.
 */
async function unsubscribeRequest(request: string): Promise<string | number> {
  const { PREVIEW_SECRET, tokenIn, verifyUnsubscribeToken } = await import("../send/token.ts");
  const { printable } = await import("../core/terminal.ts");
  const token = tokenIn(request);
  if (!token) {
    console.error(t("unsubscribe-not-understood", { value: printable(request) }));
    return 2;
  }
  const secret = process.env.LETTRE_UNSUBSCRIBE_SECRET;
  if (!secret) {
    console.error(t("unsubscribe-needs-secret"));
    return 1;
  }
  const found = verifyUnsubscribeToken(secret, token);
  if (found) return found.email;
  console.error(
    t(
      verifyUnsubscribeToken(PREVIEW_SECRET, token)
        ? "unsubscribe-preview-token"
        : "unsubscribe-bad-token",
    ),
  );
  return 1;
}

async function newIssue(root: string, slug: string | undefined): Promise<number> {
  if (!slug) {
    console.error(t("cli-new-needs-slug"));
    return 2;
  }
  if (!/^[a-z0-9-]+$/.test(slug)) {
    const { slugify } = await import("../content/index.ts");
    console.error(t("slug", { value: slug, suggestion: slugify(slug) }));
    return 2;
  }
  const file = path.join(root, "newsletters", `${slug}.md`);
  const shown = path.relative(process.cwd(), file);
  if (
    await access(file).then(
      () => true,
      () => false,
    )
  ) {
    console.error(t("cli-new-exists", { file: shown }));
    return 1;
  }
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, scaffoldIssue(new Date().toISOString().slice(0, 10)), { flag: "wx" });
  console.log(t("cli-new-created", { file: shown }));
  return 0;
}
