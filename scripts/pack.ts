/**
 * What the package carries that the repository does not keep.
 *
 * - lib/: src/ compiled to JavaScript (Node strips no TypeScript under node_modules), with
 *   the files of src/ that are not TypeScript (the preview's client script).
 * - npm-shrinkwrap.json: the lockfile, so that a project installs lettre with the very
 *   libraries its tests ran with (an email compiled the same way).
 *
 * `npm pack` (prepack) makes both; `--clean` (postpack) removes them again, so that the
 * repository keeps running its TypeScript and its package-lock.json. `--lib` (prepare) makes
 * lib/ alone: npm runs it when lettre is installed from a git address, before packing the
 * clone (it also runs in the repository after `npm install`, where lib/ goes unused).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, readdir, rm } from "node:fs/promises";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const lib = path.join(root, "lib");
const shrinkwrap = path.join(root, "npm-shrinkwrap.json");

const only = process.argv.includes("--lib");
await rm(lib, { recursive: true, force: true });
if (!only) await rm(shrinkwrap, { force: true });
const tsc = path.join(root, "node_modules", ".bin", "tsc");
if (only && !existsSync(tsc)) {
  // `npm ci --omit=dev` in a clone (a server, the Docker image): it runs src/ as it is.
  console.log("lib/ not compiled: TypeScript is not installed (src/ runs as it is)");
} else if (!process.argv.includes("--clean")) {
  execFileSync(tsc, ["-p", "tsconfig.build.json"], {
    cwd: root,
    stdio: "inherit",
  });
  const src = path.join(root, "src");
  for (const file of await readdir(src, { recursive: true })) {
    if (file.endsWith(".js")) await cp(path.join(src, file), path.join(lib, file));
  }
  if (!only) await cp(path.join(root, "package-lock.json"), shrinkwrap);
}
