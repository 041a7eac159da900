/**
 * `lettre init <folder>`: a newsletter project of the editor's own. It asks the few things
 * that differ from one newsletter to another (or takes them from flags, or from defaults
 * with --yes), then writes the files of `starter/` with them filled in: package.json,
 * lettre.config.yaml, one short example issue and its image, .gitignore and a README for
 * the newsletter's editors. It never overwrites a file.
 */
import { readFileSync, realpathSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline/promises";
import { stringify } from "yaml";
import { configSchema, parseConfig } from "../config/index.ts";
import { formatDiagnostic } from "../core/diagnostic.ts";
import { type Locale, setLocale, t } from "../core/i18n.ts";
import { lettreManifest, PACKAGE_ROOT } from "../render/theme.ts";

const STARTER = path.join(PACKAGE_ROOT, "starter");

export interface InitOptions {
  /** The folder to create the project in, as the editor typed it. */
  folder: string;
  yes: boolean;
  force: boolean;
  name?: string | undefined;
  url?: string | undefined;
  senderName?: string | undefined;
  senderAddress?: string | undefined;
  lang?: Locale | undefined;
}

interface Answers {
  lang: Locale;
  name: string;
  url: string;
  senderName: string;
  senderAddress: string;
}

/** What is asked, in order; each answer is checked as lettre.config.yaml checks it. */
const QUESTIONS = [
  { key: "name", check: configSchema.shape.site.shape.name },
  { key: "url", check: configSchema.shape.site.shape.url },
  { key: "senderName", check: configSchema.shape.sender.shape.name },
  { key: "senderAddress", check: configSchema.shape.sender.shape.address },
] as const;

export async function runInit(options: InitOptions): Promise<number> {
  const target = path.resolve(options.folder);
  const shown = options.folder;
  const present = await readdir(target).catch((error: NodeJS.ErrnoException) =>
    error.code === "ENOENT" ? [] : error,
  );
  if (present instanceof Error) {
    console.error(t("init-folder", { folder: shown, detail: present.code ?? present.message }));
    return 1;
  }
  // A folder that is only a fresh git repository counts as empty.
  const others = present.filter((name) => name !== ".git");
  if (others.length > 0 && !options.force) {
    console.error(t("init-not-empty", { folder: shown, count: others.length }));
    return 1;
  }

  const answers = await ask(options, target);
  if (typeof answers === "number") return answers;
  setLocale(answers.lang);
  const needed = dependencies(target);
  const files = await projectFiles(answers, target, needed);
  // The config as written must be one lettre accepts: a flag could still be wrong in a way
  // a single field does not show.
  const config = files.find((f) => f.file === "lettre.config.yaml");
  const parsed = parseConfig(String(config?.content ?? ""));
  const errors = parsed.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) {
    for (const d of errors) console.error(formatDiagnostic(d));
    return 2;
  }

  const kept: string[] = [];
  for (const { file, content } of files) {
    const absolute = path.join(target, file);
    try {
      await mkdir(path.dirname(absolute), { recursive: true });
      // Created, never opened if it exists (even as a link): nothing is ever replaced.
      await writeFile(absolute, content, { flag: "wx" });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EEXIST") {
        kept.push(file);
        continue;
      }
      const where = path.join(shown, file);
      console.error(t("init-write", { file: where, detail: code ?? (error as Error).message }));
      return 1;
    }
  }
  for (const file of kept) console.error(t("init-kept", { file }));
  if (kept.includes("package.json")) {
    const wanted = Object.entries(needed).map(([n, spec]) => `"${n}": "${spec}"`);
    console.error(t("init-kept-package", { dependencies: wanted.join(", ") }));
  }
  console.log(t("init-done", { folder: shown, name: answers.name }));
  const cd = path.resolve(target) === path.resolve(".") ? "" : `cd ${quoteShell(shown)} && `;
  console.log(t("init-next", { cd }));
  return 0;
}

/** The answers: from flags, else asked (with a default), else the defaults with --yes. */
async function ask(options: InitOptions, target: string): Promise<Answers | number> {
  const given: Partial<Record<keyof Answers, string | undefined>> = {
    name: options.name,
    url: options.url,
    senderName: options.senderName,
    senderAddress: options.senderAddress,
  };
  const answers: Answers = {
    lang: options.lang ?? "fr",
    name: "",
    url: "",
    senderName: "",
    senderAddress: "",
  };
  const asking = options.yes ? undefined : lineReader();
  try {
    if (asking && !options.lang) {
      const answer = (await asking.ask(`${t("init-ask-lang")} [fr] `)).trim().toLowerCase();
      if (answer === "en" || answer === "fr") answers.lang = answer;
      else if (answer) {
        console.error(t("init-bad-lang", { value: answer }));
        return 2;
      }
    }
    setLocale(answers.lang);
    for (const { key, check } of QUESTIONS) {
      const flag = given[key];
      const fallback = defaultOf(key, answers, target);
      for (let attempt = 1; ; attempt++) {
        const answer =
          flag ??
          (asking ? (await asking.ask(`${t(`init-ask-${key}`)} [${fallback}] `)).trim() : "");
        const result = check.safeParse(answer || fallback);
        if (result.success) {
          answers[key] = String(result.data);
          break;
        }
        const problem = result.error.issues[0]?.message ?? "";
        console.error(flag === undefined ? problem : `--${flagOf(key)}: ${problem}`);
        // A terminal may try again; a flag, or answers piped in, may not.
        if (flag !== undefined || !asking?.terminal || asking.ended || attempt >= 3) return 2;
      }
    }
  } finally {
    asking?.close();
  }
  return answers;
}

/**
 * Questions on standard error, answers from standard input, line by line: typed in a
 * terminal, or piped in (each line one answer, "" once they run out).
 */
function lineReader() {
  const terminal = process.stdin.isTTY === true;
  const reader = createInterface({ input: process.stdin, output: process.stderr, terminal });
  // The iterator keeps the lines that arrive before they are asked for (a pipe).
  const lines = reader[Symbol.asyncIterator]();
  const state = {
    terminal,
    ended: false,
    async ask(text: string): Promise<string> {
      if (state.ended) return "";
      reader.setPrompt(text);
      reader.prompt();
      const next = await lines.next();
      if (!terminal) process.stderr.write(`${next.done ? "" : next.value}\n`);
      if (next.done) state.ended = true;
      return next.done ? "" : String(next.value);
    },
    close: () => reader.close(),
  };
  return state;
}

function flagOf(key: (typeof QUESTIONS)[number]["key"]): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The default of each answer, from those before it. */
function defaultOf(key: keyof Answers, answers: Answers, target: string): string {
  switch (key) {
    case "name":
      return t("init-default-name");
    case "url":
      return `https://${packageName(target)}.example.org`;
    case "senderName":
      return answers.name;
    case "senderAddress": {
      // The public address's domain, without the web's own prefixes: lettre@example.org
      // for https://lettre.example.org.
      const host = new URL(answers.url).hostname.split(".");
      const common = ["www", "lettre", "newsletter", "news", "infolettre", "lettres"];
      const domain = host.length > 2 && common.includes(host[0] ?? "") ? host.slice(1) : host;
      return `lettre@${domain.join(".")}`;
    }
    default:
      return "fr";
  }
}

/** An npm package name made of the folder's name (lettre-ia), or "newsletter". */
function packageName(target: string): string {
  const name = path
    .basename(target)
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return name || "newsletter";
}

/** Every file of the new project, with its content. */
async function projectFiles(answers: Answers, target: string, needed: Record<string, string>) {
  const today = new Date();
  const iso = (date: Date) => date.toISOString().slice(0, 10);
  const month = (date: Date) => iso(date).slice(0, 7);
  const next = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + 1, 1));
  const inAMonth = new Date(today.getTime() + 30 * 86_400_000);
  const slug = month(today);
  const values: Record<string, string> = {
    name: answers.name,
    "name.yaml": yamlScalar(answers.name),
    "name.md": markdownText(answers.name),
    url: answers.url,
    "url.yaml": yamlScalar(answers.url),
    "senderName.yaml": yamlScalar(answers.senderName),
    "senderAddress.yaml": yamlScalar(answers.senderAddress),
    "title.yaml": yamlScalar(t("init-issue-title", { name: answers.name })),
    lang: answers.lang,
    date: iso(today),
    slug,
    nextSlug: month(next),
    eventDate: iso(inAMonth),
  };
  const own = (file: string) => readFile(path.join(STARTER, answers.lang, file), "utf8");
  const image = answers.lang === "fr" ? "couverture.png" : "cover.png";
  return [
    {
      file: "package.json",
      content: `${JSON.stringify(manifest(answers, target, needed), null, 2)}\n`,
    },
    { file: "lettre.config.yaml", content: fill(await own("lettre.config.yaml"), values) },
    { file: `newsletters/${slug}.md`, content: fill(await own("issue.md"), values) },
    {
      file: `newsletters/images/${image}`,
      content: await readFile(path.join(STARTER, "cover.png")),
    },
    // npm leaves a file named .gitignore out of packages: it ships as `gitignore`.
    { file: ".gitignore", content: await readFile(path.join(STARTER, "gitignore"), "utf8") },
    { file: "README.md", content: fill(await own("README.md"), values) },
  ];
}

/** The project's package.json: lettre, and the Node it runs on. */
function manifest(answers: Answers, target: string, needed: Record<string, string>) {
  return {
    name: packageName(target),
    private: true,
    description: answers.name,
    scripts: { build: "lettre build", dev: "lettre dev", check: "lettre check" },
    dependencies: needed,
    // The `node` package installs its binary with a script: allowed, so npm does not ask.
    allowScripts: { node: true },
  };
}

/** What `npm install` needs to install the same lettre in `target`, and its Node. */
function dependencies(target: string): Record<string, string> {
  const own = lettreManifest();
  return {
    lettre: lettreSpec(target, own.version ?? "0"),
    node: own.dependencies?.node ?? "^24",
  };
}

/**
 * How this lettre was installed, written for `target`: the spec the project that installed
 * it gave (a tarball or a folder, made relative to `target`; a git address; a version), or
 * this repository itself (a folder) when lettre runs from its own checkout.
 */
export function lettreSpec(target: string, version: string, packageRoot = PACKAGE_ROOT): string {
  const relative = (absolute: string) => {
    const from = path.relative(target, absolute).split(path.sep).join("/");
    return `file:${from.startsWith(".") ? from : `./${from}`}`;
  };
  let here: string;
  try {
    here = realpathSync(packageRoot);
  } catch {
    return `^${version}`;
  }
  const parts = here.split(path.sep);
  const at = parts.lastIndexOf("node_modules");
  if (at < 0) return relative(here);
  const installer = parts.slice(0, at).join(path.sep) || path.sep;
  try {
    const manifest = JSON.parse(readFileSync(path.join(installer, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    const spec = manifest.dependencies?.lettre ?? manifest.devDependencies?.lettre;
    if (spec?.startsWith("file:")) return relative(path.resolve(installer, spec.slice(5)));
    if (spec) return spec;
  } catch {}
  return `^${version}`;
}

/** Replaces each `@@key@@` of a starter file; a key it does not know is a bug of lettre's. */
function fill(text: string, values: Record<string, string>): string {
  return text.replace(/@@([\w.]+)@@/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`starter: unknown placeholder @@${key}@@`);
    return value;
  });
}

/** A YAML scalar holding exactly `value` (quoted when it must be). */
function yamlScalar(value: string): string {
  return stringify(value, { lineWidth: 0 }).trimEnd();
}

/** Text shown as is in Markdown: its emphasis and link characters escaped. */
function markdownText(value: string): string {
  return value.replace(/[\\`*_[\]<>#]/g, "\\$&");
}

/** A folder name as a shell command would need it. */
function quoteShell(value: string): string {
  return /^[\w./-]+$/.test(value) ? value : `'${value.replace(/'/g, "'\\''")}'`;
}
