/**
 * What the package carries that the repository does not keep.
 *
 * - lib/: src/ compiled to JavaScript (Node strips no TypeScript under node_modules), with
 *   the files of src/ that are not TypeScript (the preview's client script).
 * - npm-shrinkwrap.json: the lockfile, so that a project installs lettre with the very
 *   libraries its tests ran with (an email compiled the same way).
 *
 * - package.json without its `prepare` script: npm runs `prepare` (below) only for an
 *   install from a git address, but lists it as an install script of the package to review,
 *   and a project whose npm is strict about install scripts would refuse the tarball.
 *
 * `npm pack` (prepack) makes them; `--clean` (postpack) puts everything back, so that the
 * repository keeps running its TypeScript, its package-lock.json and its package.json (a
 * pack that stopped half-way is put back by the next one). `--lib` (prepare) makes lib/
 * alone: npm runs it when lettre is installed from a git address, before packing the clone
 * (it also runs in the repository after `npm install`, where lib/ goes unused).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, cp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const lib = path.join(root, "lib");
const shrinkwrap = path.join(root, "npm-shrinkwrap.json");

const manifest = path.join(root, "package.json");
const kept = path.join(root, "package.json.before-pack");

const only = process.argv.includes("--lib");
await rm(lib, { recursive: true, force: true });
if (!only) {
  await rm(shrinkwrap, { force: true });
  if (existsSync(kept)) await rename(kept, manifest);
}
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
  if (!only) {
    await cp(path.join(root, "package-lock.json"), shrinkwrap);
    await copyFile(manifest, kept);
    const packed = JSON.parse(await readFile(manifest, "utf8")) as {
      scripts?: Record<string, string>;
    };
    delete packed.scripts?.prepare;
    await writeFile(manifest, `${JSON.stringify(packed, null, 2)}\n`);
  }
}
