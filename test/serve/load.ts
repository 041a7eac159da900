/**
 * The load of `lettre serve` as mail providers put it: one-click unsubscribe POSTs (RFC
 * 8058), many at a time, while `lettre send` writes to the same database. Shared by
 * test/serve/load.test.ts (correctness, SIGKILL) and scripts/bench-serve.ts (latencies).
 */
import { spawn } from "node:child_process";
import { cp, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { importList } from "../../src/send/lists.ts";
import { closeDatabase, listSubscribers, openDatabase } from "../../src/send/store.ts";
import { unsubscribeToken } from "../../src/send/token.ts";

export const SECRET = "load-test-secret-0123456789-abcdefghijklmn";
export const env = { LETTRE_UNSUBSCRIBE_SECRET: SECRET };

const REPO = path.resolve(import.meta.dirname, "../..");

/** The real `lettre` command in its own process (this module runs outside vitest too). */
export function lettre(root: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [path.join(REPO, "bin/lettre.js"), ...args], {
    cwd: root,
    env: { ...process.env, LETTRE_LANG: "", ...env, ...extraEnv },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  const done = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A built project whose lists hold `sizes[list]` addresses each, sending to `smtpUrl`. */
export async function loadProject(smtpUrl: string, sizes: Record<string, number>) {
  const root = await mkdtemp(path.join(tmpdir(), "lettre-load-"));
  const fixture = path.join(REPO, "test/fixtures/archive/newsletters");
  await cp(fixture, path.join(root, "newsletters"), { recursive: true });
  // The tests' own config (as test/helpers.ts CONFIG), and the built-in theme.
  const config = await readFile(
    path.join(REPO, "test/fixtures/project/lettre.config.yaml"),
    "utf8",
  );
  await writeFile(
    path.join(root, "lettre.config.yaml"),
    `${config.trimEnd()}\nsending:\n  transport: ${smtpUrl}\n  connections: 2\n  rate: 1000\n`,
  );
  const db = openDatabase(root);
  const addresses: Record<string, string[]> = {};
  for (const [list, size] of Object.entries(sizes)) {
    addresses[list] = Array.from({ length: size }, (_, i) => `${list}${i}@exemple.fr`);
    importList(db, list, `email\n${addresses[list]?.join("\n")}\n`, `${list}.csv`);
  }
  closeDatabase(db);
  const built = await lettre(root, ["build"]).done;
  if (built.code !== 0) throw new Error(built.stderr);
  return { root, addresses };
}

/** The real `lettre serve` in its own process; resolves once it listens. */
export async function startServe(
  root: string,
  port: number,
  options: { env?: NodeJS.ProcessEnv; args?: string[] } = {},
) {
  const started = lettre(
    root,
    ["serve", "--port", String(port), ...(options.args ?? [])],
    options.env,
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("lettre serve did not start")), 20_000);
    started.child.stdout.on("data", () => {
      clearTimeout(timer);
      resolve();
    });
    started.child.on("exit", (code) => reject(new Error(`lettre serve exited ${code}`)));
  });
  return { ...started, url: `http://127.0.0.1:${port}/` };
}

export interface Shot {
  email: string;
  status: number | "error";
  ms: number;
}

/**
 * A one-click POST for each address, `concurrency` at a time, as a mail provider sends
 * them; `stop` ends the run early (what was not sent is not in the result).
 */
export async function oneClicks(
  url: string,
  list: string,
  emails: readonly string[],
  concurrency: number,
  onShot?: (shot: Shot) => void,
): Promise<Shot[]> {
  const shots: Shot[] = [];
  let next = 0;
  const worker = async () => {
    while (next < emails.length) {
      const email = emails[next++] as string;
      const token = unsubscribeToken(SECRET, list, email);
      const started = performance.now();
      let status: Shot["status"];
      try {
        const answer = await fetch(`${url}unsubscribe?t=${token}`, {
          method: "POST",
          body: new URLSearchParams({ "List-Unsubscribe": "One-Click" }),
          redirect: "manual",
        });
        await answer.arrayBuffer();
        status = answer.status;
      } catch {
        status = "error";
      }
      const shot = { email, status, ms: performance.now() - started };
      shots.push(shot);
      onShot?.(shot);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return shots;
}

/** The addresses of `list` marked unsubscribed in the database. */
export function unsubscribedIn(root: string, list: string): Set<string> {
  const db = openDatabase(root);
  try {
    return new Set(
      listSubscribers(db, list)
        .filter((s) => s.status === "unsubscribed")
        .map((s) => s.email),
    );
  } finally {
    closeDatabase(db);
  }
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}
