import { chmod, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LettreError } from "../../src/core/diagnostic.ts";
import { build } from "../../src/pipeline/index.ts";
import { MARKER, writeChanged } from "../../src/pipeline/output.ts";
import { lettre, run } from "../cli.ts";
import { makeProject, put, read } from "../helpers.ts";

const ISSUE = "---\ntitle: Numéro un\ndate: 2025-12-01\n---\nBonjour.\n";

/** Folders outside any project, standing for the editor's own folders. */
const outside: string[] = [];
async function ownFolder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "lettre-own-"));
  outside.push(dir);
  for (const [file, content] of Object.entries(files)) await put(dir, file, content);
  return dir;
}
afterEach(async () => {
  await Promise.all(outside.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("the output folder (--out)", () => {
  it("refuses a folder lettre did not create, and leaves the editor's files as they were", async () => {
    const root = await makeProject({ "newsletters/un.md": ISSUE });
    const mine = await ownFolder({
      "email/notes.txt": "mes notes",
      "archive/2019/rapport.pdf": "%PDF",
      ".old-photos/vacances.jpg": "jpeg",
    });
    const out = await run(root, "build", "--out", mine);
    expect(out.code).toBe(1);
    expect(out.stdout).toBe("");
    expect(out.stderr).toContain(`${mine}: dossier de sortie refusé`);
    expect(out.stderr).toContain("ce n'est pas lettre qui l'a créé");
    expect(out.stderr).toContain("Choisissez avec --out un dossier vide ou nouveau");
    expect(await read(mine, "email/notes.txt")).toBe("mes notes");
    expect(await read(mine, "archive/2019/rapport.pdf")).toBe("%PDF");
    expect(await read(mine, ".old-photos/vacances.jpg")).toBe("jpeg");
    expect((await readdir(mine)).sort()).toEqual([".old-photos", "archive", "email"]);
    expect(await readdir(path.join(mine, "email"))).toEqual(["notes.txt"]);

    const english = await run(root, "build", "--out", mine, "--lang", "en");
    expect(english.code).toBe(1);
    expect(english.stderr).toContain("output folder refused: it is not empty");
  });

  it("says a folder it may not write to is one, and keeps the last output", async () => {
    const root = await makeProject({ "newsletters/un.md": ISSUE });
    expect((await run(root, "build")).code).toBe(0);
    const before = await read(root, "dist/email/un.html");
    // As root, without the power to override permissions (test/cli.ts).
    await chmod(path.join(root, "dist"), 0o555);
    const denied = await lettre(root, ["build"], { unprivileged: true }).done;
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain(
      "dist: lettre ne peut pas écrire dans le dossier de sortie (EACCES",
    );
    expect(denied.stderr).not.toContain("erreur interne");
    expect(await read(root, "dist/email/un.html")).toBe(before);
  });

  it("writes into a new or empty folder, marks it, and builds there again", async () => {
    const root = await makeProject({ "newsletters/un.md": ISSUE });
    const empty = await ownFolder({});
    for (const out of [empty, path.join(root, "nouveau/dossier")]) {
      expect((await build({ root, out })).ok).toBe(true);
      expect((await readdir(out)).sort()).toEqual([MARKER, "archive", "email"]);
      expect(await readdir(path.join(out, "email"))).toEqual(["un.html", "un.txt"]);
    }
    // The next build replaces lettre's own folders and removes what a killed build left;
    // a folder of the editor's is kept, even one whose name starts like a leftover.
    await put(empty, ".old-notes/a.txt", "à garder");
    await put(empty, ".staging-123-abc/x.html", "leftover");
    await put(empty, ".old-123-abc-email/x.html", "leftover");
    expect((await build({ root, out: empty })).ok).toBe(true);
    expect(await read(empty, ".old-notes/a.txt")).toBe("à garder");
    expect((await readdir(empty)).sort()).toEqual([MARKER, ".old-notes", "archive", "email"]);
  });

  it("adopts the dist/ of a lettre from before the marker, and only that", async () => {
    const root = await makeProject({ "newsletters/un.md": ISSUE });
    expect((await build({ root })).ok).toBe(true);
    // A checkout built before the marker existed: same output, no marker.
    await rm(path.join(root, "dist", MARKER));
    await put(root, "dist/screenshots/un-600.png", "png");
    expect((await build({ root })).ok).toBe(true);
    expect(await readdir(path.join(root, "dist"))).toContain(MARKER);
    expect(await read(root, "dist/screenshots/un-600.png")).toBe("png");

    // The same, with one file that is not lettre's among the emails: refused, kept.
    await rm(path.join(root, "dist", MARKER));
    await put(root, "dist/email/invitation.html", "<p>mon invitation</p>");
    await expect(build({ root })).rejects.toThrow(/dossier de sortie refusé/);
    expect(await read(root, "dist/email/invitation.html")).toBe("<p>mon invitation</p>");
    // Or a folder of its own in archive/'s place.
    await rm(path.join(root, "dist/email/invitation.html"));
    await rm(path.join(root, "dist/archive"), { recursive: true });
    await put(root, "dist/archive/photos/a.jpg", "jpeg");
    await expect(build({ root })).rejects.toThrow(/dossier de sortie refusé/);
    expect(await read(root, "dist/archive/photos/a.jpg")).toBe("jpeg");
  });

  it("rebuilds of lettre dev write into a folder of the editor's no more than builds do", async () => {
    const mine = await ownFolder({ "email/notes.txt": "mes notes" });
    const files = new Map([["email/un.html", "<p>un</p>"]]);
    const written = writeChanged(mine, files, new Map([["email/un.html", "<p>avant</p>"]]));
    await expect(written).rejects.toBeInstanceOf(LettreError);
    await expect(written).rejects.toThrow(/dossier de sortie refusé/);
    expect(await readdir(path.join(mine, "email"))).toEqual(["notes.txt"]);
    expect(await readFile(path.join(mine, "email/notes.txt"), "utf8")).toBe("mes notes");
  });
});
