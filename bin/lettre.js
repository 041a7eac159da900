#!/usr/bin/env node
// Entry point of `npx lettre`. This file runs on any Node.js: it only picks the Node and the
// code that lettre runs on.
//
// - The code: in lettre's own repository, its TypeScript sources (src/), run directly by
//   Node's type stripping; in the package, the same sources compiled to JavaScript (lib/,
//   made by `npm pack`), because Node strips no types under node_modules.
// - The Node: lettre needs Node.js 22.18 or newer. On an older one (Debian's Node 20, say),
//   lettre runs itself again on the Node that comes with it: the `node` package, one of its
//   dependencies (in a project, `npx` finds that one first anyway).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  const pinned = process.env.LETTRE_HANDED_OVER ? undefined : pinnedNode();
  if (!pinned) {
    console.error(
      `lettre a besoin de Node.js 22.18 ou plus récent (ici ${process.version}) et ne trouve pas celui qu'il apporte : lancez « npm install » dans le dossier du projet, puis « npx lettre ».\n` +
        `lettre needs Node.js 22.18 or newer (this is ${process.version}) and cannot find the one it comes with: run \`npm install\` in the project folder, then \`npx lettre\`.`,
    );
    process.exit(1);
  }
  await handOver(pinned);
} else {
  // Node keeps the code it compiled (lettre's sources, its libraries) in its cache folder,
  // so that each command starts sooner; NODE_DISABLE_COMPILE_CACHE=1 turns it off.
  const { enableCompileCache } = await import("node:module");
  enableCompileCache?.();
  const sources = new URL("../src/cli/main.ts", import.meta.url);
  const entry = existsSync(sources) ? sources : new URL("../lib/cli/main.js", import.meta.url);
  const { main } = await import(entry.href);
  process.exitCode = await main(process.argv.slice(2));
}

/** The binary of the `node` package lettre depends on, where npm installed it. */
function pinnedNode() {
  try {
    const manifest = createRequire(import.meta.url).resolve("node/package.json");
    const binary = path.join(path.dirname(manifest), "bin", "node");
    return existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

/** Runs this command again on `node`, passing on signals, and exits as it does. */
async function handOver(node) {
  const child = spawn(node, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, LETTRE_HANDED_OVER: "1" },
  });
  // Ctrl-C in a terminal reaches both processes already; a signal sent to this one alone
  // (a service manager's SIGTERM) is passed on, once.
  for (const signal of ["SIGTERM", "SIGHUP", "SIGINT"]) {
    process.on(signal, () => {
      if (signal !== "SIGINT" || !process.stdin.isTTY) child.kill(signal);
    });
  }
  const [code, signal] = await new Promise((resolve) => {
    child.on("error", (error) => {
      console.error(`lettre: ${node}: ${error.message}`);
      resolve([1, null]);
    });
    child.on("exit", (...outcome) => resolve(outcome));
  });
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
  process.exit(code ?? 1);
}
