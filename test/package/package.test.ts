/**
 * lettre as editors get it: `npm pack`, the tarball installed into a folder outside the
 * repository, `lettre init`, and every main command in the new project.
 *
 * npm installs from its cache (`--prefer-offline`: the packages `npm ci` fetched for the
 * repository are the ones the package locks); only what the cache lacks, such as npm's
 * package documents, comes from the npm registry.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, readFile, realpath, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { put, REPO, read } from "../helpers.ts";

const SECRET = "package-test-secret-0123456789-abcdefghijkl";
const month = new Date().toISOString().slice(0, 7);

let work: string;
let tarball: string;
let project: string;
const running: ChildProcess[] = [];

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end, in French, as an editor's shell would. */
function sh(cwd: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return started(cwd, command, args, env).done;
}

/**
 * The PATH of the editor's shell: without the repository's node_modules/.bin, which `npm
 * test` puts first. npm and npx then run on the system's Node (Node 20 on these machines),
 * as they do for an editor; npm places packages by the Node it runs on.
 */
const PATH = (process.env.PATH ?? "")
  .split(path.delimiter)
  .filter((dir) => !dir.split(path.sep).includes("node_modules"))
  .join(path.delimiter);

function started(cwd: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, PATH, LETTRE_LANG: "", LETTRE_UNSUBSCRIBE_SECRET: SECRET, ...env },
  });
  running.push(child);
  let stdout = "";
  let stderr = "";
  const listeners: (() => void)[] = [];
  child.stdout?.on("data", (chunk) => {
    stdout += chunk;
    for (const listener of listeners) listener();
  });
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const done = new Promise<Ran>((resolve) =>
    child.on("close", (code) => resolve({ code, stdout, stderr })),
  );
  /** Resolves with the first match of `pattern` in standard output. */
  const printed = (pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const look = () => {
        const found = pattern.exec(stdout)?.[1];
        if (found) resolve(found);
      };
      listeners.push(look);
      look();
      done.then(() => reject(new Error(`exited before printing ${pattern}:\n${stdout}${stderr}`)));
    });
  return { child, done, printed };
}

/** The system's Node when it is older than lettre needs (Node 20 on these machines). */
const OLD_NODE = ["/usr/bin/node", "/usr/local/bin/node"].find((node) => {
  if (!existsSync(node)) return false;
  const version = execFileSync(node, ["--version"], { encoding: "utf8" }).trim();
  const [major = 0, minor = 0] = version.replace(/^v/, "").split(".").map(Number);
  return major < 22 || (major === 22 && minor < 18);
});

const npm = (cwd: string, ...args: string[]) =>
  sh(cwd, "npm", [...args, "--no-audit", "--no-fund", "--prefer-offline"]);
const npx = (...args: string[]) => sh(project, "npx", ["--no-install", "lettre", ...args]);

beforeAll(async () => {
  work = await realpath(await mkdtemp(path.join(tmpdir(), "lettre-package-")));
  // npm pack runs in a copy of the repository: it compiles lib/ there, not in the repository.
  const source = path.join(work, "source");
  for (const entry of [
    "package.json",
    "package-lock.json",
    "README.md",
    "tsconfig.json",
    "tsconfig.build.json",
    "bin",
    "src",
    "templates",
    "starter",
    "scripts/pack.ts",
  ]) {
    await cp(path.join(REPO, entry), path.join(source, entry), { recursive: true });
  }
  await symlink(path.join(REPO, "node_modules"), path.join(source, "node_modules"), "dir");
  const packed = await sh(source, "npm", ["pack", "--pack-destination", work]);
  expect(packed.code, packed.stderr).toBe(0);
  tarball = path.join(work, (await readdir(work)).find((f) => f.endsWith(".tgz")) ?? "");
  await rm(source, { recursive: true, force: true });

  // An empty folder, lettre installed into it, a project made by `lettre init`.
  const here = path.join(work, "ici");
  await mkdir(here);
  const installed = await npm(here, "install", tarball);
  expect(installed.code, installed.stderr).toBe(0);
  const init = await sh(here, "npx", ["--no-install", "lettre", "init", "lettre-ia", "--yes"]);
  expect(init.code, init.stderr).toBe(0);
  project = path.join(here, "lettre-ia");
  const own = await npm(project, "install");
  expect(own.code, own.stderr).toBe(0);
  // Its package.json allows the install scripts it needs: npm asks nothing.
  expect(own.stderr).not.toContain("install-scripts");
}, 600_000);

afterAll(async () => {
  for (const child of running) if (child.exitCode === null) child.kill("SIGKILL");
  if (work) await rm(work, { recursive: true, force: true });
});

describe("the package", () => {
  it("carries compiled JavaScript and the built-in theme, and no TypeScript", async () => {
    const lettre = path.join(project, "node_modules", "lettre");
    const all = (await readdir(lettre, { recursive: true })).filter(
      (f) => !f.startsWith(`node_modules${path.sep}`),
    );
    expect(all.filter((f) => f.endsWith(".ts"))).toEqual([]);
    for (const file of [
      "bin/lettre.js",
      "lib/cli/main.js",
      "lib/pipeline/worker.js",
      "lib/watch/client.js",
      "templates/labels.yaml",
      "templates/email/layout.mjml.hbs",
      "templates/email/confirm.mjml.hbs",
      "templates/archive/pages/reader.hbs",
      "templates/archive/partials/signup-form.hbs",
      "templates/archive/assets/style.css",
      "templates/archive/assets/search.js",
      "starter/cover.png",
      "README.md",
    ]) {
      expect(all, file).toContain(file.split("/").join(path.sep));
    }
    // The project depends on the tarball where it lies, and on the Node lettre runs on.
    const manifest = JSON.parse(await read(project, "package.json"));
    expect(manifest.dependencies.lettre).toBe(`file:${path.relative(project, tarball)}`);
    expect(manifest.dependencies.node).toMatch(/^\^24\./);
    expect((await sh(project, "npx", ["--no-install", "node", "--version"])).stdout).toMatch(
      /^v24\./,
    );
  });

  // Skipped, and said so, on a machine whose system Node is new enough or missing.
  it.skipIf(!OLD_NODE)(
    "runs on a system Node too old for it, through the Node it comes with",
    async () => {
      const system = OLD_NODE ?? "";
      const bin = path.join(project, "node_modules", "lettre", "bin", "lettre.js");
      const ran = await sh(project, system, [bin, "--version"]);
      expect(ran.code, ran.stderr).toBe(0);
      expect(ran.stdout).toMatch(/^lettre \d+\.\d+\.\d+ \(Node\.js v24\./);
      const checked = await sh(project, system, [bin, "check"]);
      expect(checked.code, checked.stderr).toBe(0);
    },
  );

  it("builds, checks, previews, sends to the outbox and serves in the new project", async () => {
    const built = await npx("build");
    expect(built.code, built.stderr).toBe(0);
    expect(built.stderr).toBe("");
    expect(built.stdout).toContain(`dist/email/${month}.html`);
    const email = await read(project, `dist/email/${month}.html`);
    expect(email).toContain("Premier numéro de Ma lettre");
    // The very email the repository's lettre makes of the same project: the libraries the
    // package installs compile it the same way (the CSS minified by cssnano among them).
    const here = await sh(project, process.execPath, [
      path.join(REPO, "bin", "lettre.js"),
      ...["build", "--out", path.join(work, "from-repository")],
    ]);
    expect(here.code, here.stderr).toBe(0);
    const same = path.join(work, "from-repository", "email", `${month}.html`);
    expect(email).toBe(await readFile(same, "utf8"));
    expect(await read(project, `dist/archive/${month}/index.html`)).toContain("Ma lettre");

    const checked = await npx("check", "--strict");
    expect(checked.code, checked.stderr).toBe(0);

    const bin = path.join(project, "node_modules", ".bin", "lettre");
    const dev = started(project, bin, ["dev"]);
    const preview = await dev.printed(/aperçu sur (http:\/\/127\.0\.0\.1:\d+\/)/);
    const page = await fetch(preview);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(month);
    dev.child.kill("SIGINT");
    expect((await dev.done).code).toBe(0);

    await put(project, "lecteurs.csv", "email;prénom\nada@example.org;Ada\nbob@example.org;Bob\n");
    expect((await npx("list", "import", "lecteurs", "lecteurs.csv")).code).toBe(0);
    const sent = await npx("send", month, "--list", "lecteurs", "--yes");
    expect(sent.code, sent.stderr).toBe(0);
    const outbox = path.join(project, "outbox");
    const messages = await readdir(outbox);
    expect(messages).toHaveLength(2);
    const raw = await readFile(path.join(outbox, messages[0] ?? ""), "utf8");
    expect((await simpleParser(raw)).subject).toBe("Premier numéro de Ma lettre");
    expect(raw).toContain("List-Unsubscribe-Post: List-Unsubscribe=One-Click");

    const serve = started(project, bin, ["serve", "--port", "0"]);
    const served = await serve.printed(/lettre sert (http:\/\/127\.0\.0\.1:\d+\/)/);
    const home = await fetch(served);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain(`${month}/`);
    serve.child.kill("SIGTERM");
    expect((await serve.done).code).toBe(0);
  });

  it("ejects a template, uses the edited copy, and diffs it against the built-in", async () => {
    const ejected = await npx("templates", "eject", "email/partials/footer.hbs");
    expect(ejected.code, ejected.stderr).toBe(0);
    const file = "templates/email/partials/footer.hbs";
    const footer = await read(project, file);
    await put(project, file, footer.replace('{{t "sentBy"', 'Pied de page maison. {{t "sentBy"'));
    expect((await npx("build")).code).toBe(0);
    expect(await read(project, `dist/email/${month}.html`)).toContain("Pied de page maison.");
    const listed = await npx("templates");
    expect(listed.stdout).toMatch(
      /templates\/email\/partials\/footer\.hbs +à jour : copié de lettre/,
    );
    const diff = await npx("templates", "diff");
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain("templates/email/partials/footer.hbs : à jour : copié de lettre");
  });
});
