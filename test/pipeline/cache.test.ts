import { readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DISK_CACHE_DIR } from "../../src/pipeline/cache.ts";
import { build, buildIssue } from "../../src/pipeline/index.ts";
import { put, read } from "../helpers.ts";
import { project, tree } from "./helpers.ts";

const workers = process.env.LETTRE_WORKERS;
afterEach(() => {
  if (workers === undefined) delete process.env.LETTRE_WORKERS;
  else process.env.LETTRE_WORKERS = workers;
});

describe("the email cache and the worker threads", () => {
  it("give the output of a clean build, byte for byte, and compile only what changed", async () => {
    const root = await project();
    const clean = async (out: string) => {
      process.env.LETTRE_WORKERS = "0";
      const result = await build({ root, out, diskCache: false, today: "2026-01-01" });
      expect(result.ok, JSON.stringify(result.diagnostics)).toBe(true);
      return tree(path.join(root, out));
    };
    const cached = async (out: string) => {
      process.env.LETTRE_WORKERS = "2";
      const result = await build({ root, out, today: "2026-01-01" });
      expect(result.ok, JSON.stringify(result.diagnostics)).toBe(true);
      return { files: await tree(path.join(root, out)), compiled: result.compiled };
    };

    const reference = await clean("clean");
    expect([...reference.keys()].filter((f) => f.startsWith("email/")).length).toBe(12);
    // First build with the cache: every email compiled, in two worker threads.
    const first = await cached("first");
    expect(first.compiled).toBe(6);
    expect(first.files).toEqual(reference);
    // A new process would find them on disk: nothing to compile.
    const second = await cached("second");
    expect(second.compiled).toBe(0);
    expect(second.files).toEqual(reference);

    // One issue edited: that one only, and the same output as a clean build of it.
    const file = "newsletters/copie-2.md";
    await put(root, file, (await read(root, file)).replace("Copie 2", "Copie deux"));
    const after = await cached("after");
    expect(after.compiled).toBe(1);
    const referenceAfter = await clean("clean-after");
    expect(after.files).toEqual(referenceAfter);
    expect(after.files.get("email/copie-2.html")).not.toEqual(reference.get("email/copie-2.html"));
    // The entry of the old text is gone; one entry per email remains.
    expect(await readdir(path.join(root, DISK_CACHE_DIR))).toHaveLength(6);
  });

  it("compiles again an entry that was damaged, and builds without a cache it cannot write", async () => {
    const root = await project();
    process.env.LETTRE_WORKERS = "0";
    const reference = await build({ root, out: "a", today: "2026-01-01" });
    expect(reference.compiled).toBe(6);
    const dir = path.join(root, DISK_CACHE_DIR);
    const entries = await readdir(dir);
    await writeFile(path.join(dir, entries[0] ?? ""), "{ pas du JSON");
    await writeFile(
      path.join(dir, entries[1] ?? ""),
      JSON.stringify({ email: { html: 1, text: "", bytes: 1 }, diagnostics: [] }),
    );
    const again = await build({ root, out: "b", today: "2026-01-01" });
    expect(again.compiled).toBe(2);
    expect(await tree(path.join(root, "b"))).toEqual(await tree(path.join(root, "a")));

    // The cache's folder taken by a file: the build goes on and compiles everything.
    await rm(path.join(root, ".lettre"), { recursive: true });
    await put(root, ".lettre/cache", "un fichier");
    const without = await build({ root, out: "c", today: "2026-01-01" });
    expect(without.ok).toBe(true);
    expect(without.compiled).toBe(6);
    expect(await tree(path.join(root, "c"))).toEqual(await tree(path.join(root, "a")));
  });
});

describe("buildIssue", () => {
  it("makes one issue's email as the whole build does, and lists the issues for another name", async () => {
    const root = await project();
    const whole = await build({ root, out: "dist", diskCache: false, drafts: true });
    const one = await buildIssue(root, "copie-1", { diskCache: false });
    expect(one.email?.html).toBe(whole.emails.find((e) => e.issue.slug === "copie-1")?.email.html);
    expect(one.diagnostics).toEqual([]);
    for (const slug of ["copie-9", "../lettre.config", "COPIE-1"]) {
      const missing = await buildIssue(root, slug);
      expect(missing.email).toBeUndefined();
      expect(missing.known).toEqual([
        "2025-s1",
        "2025-s2",
        "2026-s1",
        "copie-1",
        "copie-2",
        "copie-3",
        "secret",
      ]);
    }
  });
});
