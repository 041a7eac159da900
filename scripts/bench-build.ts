/**
 * `npm run bench:build`: a full build beside the raw compiler on the same MJML, a rebuild in
 * a new process after one issue of 500 changed, and how soon `lettre send --test` starts.
 * Each figure is measured in its own process (the pipeline's in-memory caches would
 * otherwise help the second measure), after a warm-up build of another small project.
 * Issues are copies of the example issue, each with its own words (no two texts alike).
 */
import { spawn } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import path from "node:path";
import { SMTPServer } from "smtp-server";
import { median, project } from "./bench-project.ts";

const REPO = path.resolve(import.meta.dirname, "..");
const SIZE = Number(process.env.BENCH_ISSUES ?? 200);
const BIG = Number(process.env.BENCH_BIG ?? 500);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const LETTRE = path.join(REPO, "bin/lettre.js");

/** In a child process: one measure, printed as JSON. */
async function child(kind: string, root: string): Promise<void> {
  const { build } = await import("../src/pipeline/index.ts");
  const warm = await project(10, 100_000);
  await build({ root: warm, diskCache: false });
  await rm(warm, { recursive: true, force: true });
  let ms: number;
  if (kind === "mjml") {
    const { loadConfig } = await import("../src/config/index.ts");
    const { loadIssues } = await import("../src/content/index.ts");
    const { loadTemplates, renderEmailMjml } = await import("../src/render/index.ts");
    const { default: mjml2html } = await import("mjml");
    const config = (await loadConfig(root)).value;
    const templates = (await loadTemplates(root)).templates;
    if (!config || !templates) throw new Error("the bench project does not load");
    const content = await loadIssues(root, { defaultLang: "fr" });
    const mjml = content.issues.map((i) => renderEmailMjml(i, config, templates.email).mjml ?? "");
    const started = performance.now();
    for (const m of mjml) {
      await mjml2html(m, {
        validationLevel: "strict",
        minify: true,
        keepComments: false,
        fonts: {},
      });
    }
    ms = performance.now() - started;
  } else {
    const started = performance.now();
    const result = await build({ root, diskCache: false });
    ms = performance.now() - started;
    if (!result.ok)
      throw new Error(`the bench project does not build: ${result.diagnostics[0]?.message}`);
  }
  console.log(JSON.stringify({ ms }));
}

function run(args: string[], env: Record<string, string> = {}, cwd = REPO) {
  return new Promise<{ out: string; ms: number }>((resolve, reject) => {
    const started = performance.now();
    const proc = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env } });
    let out = "";
    let err = "";
    proc.stdout.on("data", (c) => (out += c));
    proc.stderr.on("data", (c) => (err += c));
    proc.on("close", (code) =>
      code === 0
        ? resolve({ out, ms: performance.now() - started })
        : reject(new Error(err || out)),
    );
  });
}

async function measure(kind: string, root: string, env: Record<string, string> = {}) {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const { out } = await run([import.meta.filename, "--child", kind, root], env);
    times.push(JSON.parse(out.trim().split("\n").at(-1) ?? "{}").ms);
  }
  return median(times);
}

if (process.argv[2] === "--child") {
  await child(process.argv[3] ?? "", process.argv[4] ?? "");
} else {
  const lines: string[] = [];
  const say = (line: string) => {
    lines.push(line);
    console.error(line);
  };

  // 1. A full build of SIZE issues, beside raw mjml on the same MJML.
  const root = await project(SIZE);
  const raw = await measure("mjml", root);
  const one = await measure("build", root, { LETTRE_WORKERS: "0" });
  // Both cores: the main thread and, by default, one worker thread per other core.
  const both = await measure("build", root, {});
  const two = await measure("build", root, { LETTRE_WORKERS: "2" });
  say(`full build of ${SIZE} issues (median of ${RUNS} processes, after a warm-up build):`);
  say(
    `  raw mjml2html, one core:        ${Math.round(raw)} ms (${(raw / SIZE).toFixed(1)} ms an issue)`,
  );
  say(
    `  lettre build, one core:         ${Math.round(one)} ms = ${(one / raw).toFixed(2)}× raw mjml`,
  );
  const cores = availableParallelism();
  say(
    `  lettre build, ${cores} cores (${cores - 1} worker thread(s), the default): ${Math.round(both)} ms = ${(both / raw).toFixed(2)}× raw mjml`,
  );
  say(
    `  lettre build, two worker threads: ${Math.round(two)} ms = ${(two / raw).toFixed(2)}× raw mjml`,
  );

  // 2. `lettre build` in a new process after one issue of BIG changed.
  const big = await project(BIG);
  await run([LETTRE, "build"], { LETTRE_LANG: "en" }, big);
  const file = path.join(big, "newsletters", "lettre-001.md");
  const source = await readFile(file, "utf8");
  const rebuilds: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await writeFile(file, source.replace("Assises nationales", `Assises nationales (${i})`));
    rebuilds.push((await run([LETTRE, "build"], { LETTRE_LANG: "en" }, big)).ms);
  }
  say(
    `lettre build (new process) after one issue of ${BIG} changed: median ${Math.round(median(rebuilds))} ms (${rebuilds.map(Math.round).join(", ")})`,
  );
  const unchanged: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    unchanged.push((await run([LETTRE, "build"], { LETTRE_LANG: "en" }, big)).ms);
  }
  say(
    `lettre build (new process), ${BIG} issues, nothing changed: median ${Math.round(median(unchanged))} ms (${unchanged.map(Math.round).join(", ")})`,
  );

  // 3. `lettre send --test` of one issue in a project of SIZE issues: from the command to the
  //    message at a loopback SMTP server, with the email compiled (first) and cached.
  const got: (() => void)[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onData(stream, _session, callback) {
      stream.resume();
      stream.on("end", () => {
        callback();
        got.shift()?.();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as { port: number }).port;
  const sendTest = async () => {
    const started = performance.now();
    const received = new Promise<number>((resolve) =>
      got.push(() => resolve(performance.now() - started)),
    );
    const env = {
      LETTRE_LANG: "en",
      LETTRE_UNSUBSCRIBE_SECRET: "bench-secret-0123456789-abcdefghijklmnop-XYZ",
    };
    await run(
      [
        LETTRE,
        "send",
        `lettre-${String(Math.ceil(SIZE / 2)).padStart(3, "0")}`,
        "--test",
        "bench@example.org",
        "--transport",
        `smtp://127.0.0.1:${port}`,
      ],
      env,
      root,
    );
    return received;
  };
  await rm(path.join(root, ".lettre"), { recursive: true, force: true });
  const cold = await sendTest();
  const warm: number[] = [];
  for (let i = 0; i < RUNS; i++) warm.push(await sendTest());
  server.close();
  say(
    `lettre send --test, one issue of ${SIZE}, command → message received: ${Math.round(cold)} ms with the email to compile, median ${Math.round(median(warm))} ms from the cache`,
  );

  await rm(root, { recursive: true, force: true });
  await rm(big, { recursive: true, force: true });
  console.log(`Node ${process.version}\n\n${lines.join("\n")}`);
}
