/**
 * Regression (issue 8): `lettre dev` followed a link in newsletters/ to /usr and took
 * gigabytes of memory walking and watching it. Links are now watched as links, never
 * followed, and the build reports the link instead of reading through it.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type BuildEvent, type Watching, watch } from "../../src/watch/index.ts";
import { fixtureProject, put, read } from "../helpers.ts";

let watching: Watching | undefined;
const made: string[] = [];
afterEach(async () => {
  await watching?.close();
  watching = undefined;
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A folder outside the project, 3 levels of 10 folders of 10 files: 1 110 folders, 10 000 files. */
async function bigTree(): Promise<string> {
  const top = await mkdtemp(path.join(tmpdir(), "lettre-big-"));
  made.push(top);
  const fill = async (dir: string, depth: number): Promise<void> => {
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => writeFile(path.join(dir, `f${i}.txt`), "x")),
    );
    if (depth === 0) return;
    for (let i = 0; i < 10; i++) {
      const sub = path.join(dir, `d${i}`);
      await mkdir(sub);
      await fill(sub, depth - 1);
    }
  };
  await fill(top, 3);
  return top;
}

describe("lettre dev and a link to a big folder outside the project", () => {
  it("does not walk or watch through the link, and the build reports it", async () => {
    const big = await bigTree();
    const root = await fixtureProject("archive");
    await symlink(big, path.join(root, "newsletters/usr"));
    const events: BuildEvent[] = [];
    const waiters: ((event: BuildEvent) => void)[] = [];
    watching = watch({
      root,
      today: "2026-03-01",
      onBuild: (event) => {
        events.push(event);
        waiters.shift()?.(event);
      },
    });
    await watching.ready;

    const watched = watching.watched();
    expect(watched).toContain("newsletters/usr");
    expect(watched).toContain("newsletters/2025-s2.md");
    expect(watched.filter((file) => file.startsWith("newsletters/usr/"))).toEqual([]);
    expect(events[0]?.result.ok).toBe(true);
    expect(events[0]?.result.diagnostics.map((d) => [d.file, d.rule, d.severity])).toEqual([
      ["newsletters/usr", "link-outside", "warning"],
    ]);

    // A change in the linked folder is not seen; one to an issue is, alone.
    await writeFile(path.join(big, "d0", "f0.txt"), "changed");
    const next = new Promise<BuildEvent>((resolve) => waiters.push(resolve));
    const source = await read(root, "newsletters/2025-s2.md");
    await put(root, "newsletters/2025-s2.md", source.replace("Assises", "Grandes Assises"));
    expect((await next).sources).toEqual(["newsletters/2025-s2.md"]);
    expect(events.flatMap((event) => event.sources)).toEqual(["newsletters/2025-s2.md"]);
  });
});
