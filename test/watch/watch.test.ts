import { readdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../src/core/diagnostic.ts";
import { build } from "../../src/pipeline/index.ts";
import { type BuildEvent, type Watching, watch } from "../../src/watch/index.ts";
import { fixtureProject, put, read, readTheme } from "../helpers.ts";

const TODAY = "2026-03-01";
let watching: Watching | undefined;

afterEach(async () => {
  await watching?.close();
  watching = undefined;
});

/** Watches a copy of the archive fixture; `next()` waits for the next build. */
async function start() {
  const root = await fixtureProject("archive");
  const events: BuildEvent[] = [];
  const waiters: ((event: BuildEvent) => void)[] = [];
  watching = watch({
    root,
    today: TODAY,
    onBuild: (event) => {
      events.push(event);
      waiters.shift()?.(event);
    },
  });
  await watching.ready;
  const next = () => new Promise<BuildEvent>((resolve) => waiters.push(resolve));
  return { root, events, next };
}

describe("lettre dev / build --watch: the watcher", () => {
  it("rebuilds one issue's email and page, the lists and feeds, not the other issues", async () => {
    const { root, events, next } = await start();
    expect(events).toHaveLength(1);
    expect(events[0]?.result.ok).toBe(true);
    const other = await read(root, "dist/email/2025-s1.html");

    const source = await read(root, "newsletters/2025-s2.md");
    const built = next();
    await put(
      root,
      "newsletters/2025-s2.md",
      source.replace("Assises nationales", "Grandes Assises"),
    );
    const event = await built;
    expect(event.sources).toEqual(["newsletters/2025-s2.md"]);
    expect(event.result.ok).toBe(true);
    expect(event.result.changed.sort()).toEqual([
      "archive/2025-s2/calendar/1.ics",
      "archive/2025-s2/email.html",
      "archive/2025-s2/index.html",
      "archive/events.ics",
      "archive/events/index.html",
      "archive/feed.json",
      "archive/feed.xml",
      "archive/search-index.js",
      "email/2025-s2.html",
      "email/2025-s2.txt",
    ]);
    expect(await read(root, "dist/email/2025-s2.html")).toContain("Grandes Assises");
    expect(await read(root, "dist/archive/events/index.html")).toContain("Grandes Assises");
    expect(await read(root, "dist/email/2025-s1.html")).toBe(other);
  });

  it("gives one rebuild for a burst of saves", async () => {
    const { root, events, next } = await start();
    const source = await read(root, "newsletters/2025-s1.md");
    const built = next();
    for (let i = 1; i <= 5; i++) {
      await put(root, "newsletters/2025-s1.md", source.replace("Premier semestre", `Version ${i}`));
    }
    await built;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(events).toHaveLength(2);
    expect(await read(root, "dist/email/2025-s1.html")).toContain("Version 5");
  });

  it("rebuilds everything when a template or the config changes", async () => {
    const { root, next } = await start();
    let built = next();
    const header = await readTheme(root, "templates/email/partials/header.hbs");
    await put(
      root,
      "templates/email/partials/header.hbs",
      header.replace("{{site.name}}", "{{site.name}} — Édition web"),
    );
    let event = await built;
    expect(event.sources).toEqual(["templates/email/partials/header.hbs"]);
    for (const slug of ["2025-s1", "2025-s2", "2026-s1"]) {
      expect(await read(root, `dist/email/${slug}.html`)).toContain("Édition web");
    }
    built = next();
    const config = await read(root, "lettre.config.yaml");
    await put(
      root,
      "lettre.config.yaml",
      config.replace("name: DataLab Normandie", "name: DataLab de Normandie"),
    );
    event = await built;
    expect(event.sources).toEqual(["lettre.config.yaml"]);
    expect(await read(root, "dist/archive/index.html")).toContain("DataLab de Normandie");
    expect(await read(root, "dist/email/2025-s1.html")).toContain("DataLab de Normandie");
  });

  it("adds, renames and deletes issues in the output", async () => {
    const { root, next } = await start();
    let built = next();
    await put(
      root,
      "newsletters/2026-s2.md",
      "---\ntitle: Nouvelle lettre\ndate: 2026-02-20\n---\nBonjour.\n",
    );
    await built;
    expect(await read(root, "dist/archive/index.html")).toContain("Nouvelle lettre");

    built = next();
    await rename(
      path.join(root, "newsletters/2026-s2.md"),
      path.join(root, "newsletters/2026-s3.md"),
    );
    await built;
    let archive = await readdir(path.join(root, "dist/archive"));
    expect(archive).toContain("2026-s3");
    expect(archive).not.toContain("2026-s2");
    expect(await readdir(path.join(root, "dist/email"))).not.toContain("2026-s2.html");

    built = next();
    await rm(path.join(root, "newsletters/2026-s3.md"));
    await built;
    archive = await readdir(path.join(root, "dist/archive"));
    expect(archive).not.toContain("2026-s3");
    expect(await read(root, "dist/archive/index.html")).not.toContain("Nouvelle lettre");
  });

  it("ends with exactly what a full build writes, after many kinds of change", async () => {
    const { root, next } = await start();
    const save = async (file: string, edit: (text: string) => string) => {
      const built = next();
      await put(root, file, edit(await readTheme(root, file)));
      await built;
    };
    await save("newsletters/2025-s2.md", (s) =>
      s.replace("Datathon Normandie 2025", "Datathon 2025"),
    );
    await save("newsletters/2026-s1.md", (s) => s.replace("date: 2026-02-15", "date: 2025-01-15"));
    await save("newsletters/2025-s1.md", (s) =>
      s.replace("number: 11", "number: 11\ntags: [nouveau]"),
    );
    await save("templates/archive/partials/site-footer.hbs", (s) => `${s}<!-- pied -->\n`);
    await save("newsletters/2025-s2.md", (s) => s.replace("teams: 6", "teams: 7"));
    const built = next();
    await rm(path.join(root, "newsletters/2025-s1.md"));
    await built;

    const fresh = await build({ root, today: TODAY, out: "fresh" });
    expect(fresh.ok).toBe(true);
    const files = async (dir: string) =>
      (await readdir(path.join(root, dir), { recursive: true, withFileTypes: true }))
        .filter((e) => e.isFile())
        .map((e) => path.relative(path.join(root, dir), path.join(e.parentPath, e.name)))
        .sort();
    const incremental = await files("dist");
    expect(incremental).toEqual(await files("fresh"));
    for (const file of incremental) {
      expect(await read(root, `dist/${file}`), file).toBe(await read(root, `fresh/${file}`));
    }
  });

  it("publishes an image again when it is saved", async () => {
    const { root, next } = await start();
    const built = next();
    await put(root, "newsletters/images/couverture.png", "a new picture");
    const event = await built;
    expect(event.sources).toEqual(["newsletters/images/couverture.png"]);
    expect(event.result.changed).toEqual(["archive/2026-s1/images/couverture.png"]);
    expect(await read(root, "dist/archive/2026-s1/images/couverture.png")).toBe("a new picture");
  });

  it("keeps the last good output through an invalid save, and recovers when fixed", async () => {
    const { root, next } = await start();
    const good = await read(root, "newsletters/2025-s1.md");
    const before = await read(root, "dist/email/2025-s1.html");
    let built = next();
    await put(root, "newsletters/2025-s1.md", good.replace("date: 2025-06-30", "date: 2025-06-31"));
    let event = await built;
    expect(event.result.ok).toBe(false);
    expect(event.result.diagnostics.map(formatDiagnostic)).toEqual([
      "newsletters/2025-s1.md:3: date: « 2025-06-31 » n'est pas une date du calendrier : écrivez AAAA-MM-JJ, par exemple 2025-12-15",
    ]);
    expect(event.result.changed).toEqual([]);
    expect(await read(root, "dist/email/2025-s1.html")).toBe(before);

    built = next();
    await put(root, "newsletters/2025-s1.md", good.replace("Premier semestre", "Semestre corrigé"));
    event = await built;
    expect(event.result.ok).toBe(true);
    expect(await read(root, "dist/email/2025-s1.html")).toContain("Semestre corrigé");
  });

  it("reports a rebuild that cannot write as a failed build, and keeps watching", async () => {
    const { root, next } = await start();
    // The output folder is no longer lettre's: the editor replaced it with their own files.
    await rm(path.join(root, "dist"), { recursive: true });
    await put(root, "dist/notes.txt", "mes notes");
    const source = await read(root, "newsletters/2025-s1.md");
    let built = next();
    await put(root, "newsletters/2025-s1.md", source.replace("Premier semestre", "Autre titre"));
    let event = await built;
    expect(event.result.ok).toBe(false);
    expect(event.result.diagnostics.map((d) => d.rule)).toEqual(["out-not-lettre"]);
    expect(await read(root, "dist/notes.txt")).toBe("mes notes");

    // Still watching: once the folder is lettre's again, the next save builds.
    await rm(path.join(root, "dist"), { recursive: true });
    built = next();
    await put(
      root,
      "newsletters/2025-s1.md",
      source.replace("Premier semestre", "Semestre repris"),
    );
    event = await built;
    expect(event.result.ok).toBe(true);
    expect(await read(root, "dist/email/2025-s1.html")).toContain("Semestre repris");
    // The whole output, not only what this save changed: the folder was empty.
    expect(await read(root, "dist/email/2025-s2.html")).toContain("Assises nationales");
    expect(await read(root, "dist/archive/index.html")).toContain("Semestre repris");

    // One output folder deleted: the next save brings all of it back.
    await rm(path.join(root, "dist/archive"), { recursive: true });
    built = next();
    await put(root, "newsletters/2025-s1.md", source.replace("Premier semestre", "Semestre 3"));
    event = await built;
    expect(event.result.ok).toBe(true);
    expect(await read(root, "dist/archive/2025-s2/email.html")).toContain("Assises nationales");
    expect(await read(root, "dist/archive/assets/style.css")).toContain("color");
  });
});
