import { chmod, mkdir } from "node:fs/promises";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { importList } from "../../src/send/lists.ts";
import { openDatabase } from "../../src/send/store.ts";
import { lettre, type Run, run } from "../cli.ts";
import { fixtureProject, makeProject, put } from "../helpers.ts";

const DB = ".lettre/lettre.db";

/** The editor's view: one line naming the file and the fix, exit 1, no stack trace. */
function expectDiagnostic(result: Run, message: string) {
  expect(result.code, result.stderr).toBe(1);
  expect(result.stderr).toContain(`${DB}: ${message}`);
  expect(result.stderr).not.toContain("erreur interne");
  expect(result.stderr).not.toMatch(/^\s+at /m);
}

/** A project with a list "l" of two addresses. */
async function withList(root?: string) {
  const dir = root ?? (await makeProject());
  const db = openDatabase(dir);
  importList(db, "l", "email\na@exemple.fr\nb@exemple.fr\n", "l.csv");
  db.close();
  await put(dir, "more.csv", "email\nc@exemple.fr\n");
  return dir;
}

/**
 * Root ignores file permissions: as root, the command runs without the capabilities that
 * override them (test/cli.ts), so that a read-only file is read-only. As anyone else, it
 * runs as that user.
 */
const asUser = { unprivileged: true };

describe("a database lettre cannot use is named, with the fix", () => {
  it("not a database (text written into it): every command that opens it says so", async () => {
    const root = await fixtureProject("archive");
    await put(root, DB, "ceci n'est pas une base\n".repeat(40));
    const notADatabase =
      "ce fichier n'est pas une base de données lettre lisible (écrasé ou abîmé : file is not a database) : remettez votre dernière sauvegarde de .lettre/lettre.db";
    for (const args of [
      ["list", "show", "l"],
      ["list", "unsubscribe", "a@exemple.fr"],
      ["send", "status", "2025-s2"],
      ["send", "2025-s2", "--list", "l", "--yes"],
    ]) {
      expectDiagnostic(await run(root, ...args), notADatabase);
    }
    // The stack trace behind it, for a bug report, only when asked.
    const debug = await run(root, "list", "show", "l", "--debug");
    expect(debug.stderr).toMatch(/^\s+at openDatabase/m);
  });

  it("a folder where the file should be, or a file where the folder should be", async () => {
    const root = await makeProject();
    await mkdir(path.join(root, DB), { recursive: true });
    expectDiagnostic(
      await run(root, "list", "show", "l"),
      "c'est un dossier, pas un fichier : déplacez ou renommez ce dossier",
    );
    const other = await makeProject();
    await put(other, ".lettre", "");
    expectDiagnostic(
      await run(other, "list", "import", "l", ".lettre"),
      "le dossier .lettre ne peut pas être créé : un fichier porte ce nom",
    );
  });

  it("locked by another program beyond the wait: says who may hold it", async () => {
    const root = await withList();
    const holder = new DatabaseSync(path.join(root, DB));
    holder.exec("BEGIN IMMEDIATE");
    holder.exec("DELETE FROM subscribers WHERE email = 'b@exemple.fr'");
    try {
      expectDiagnostic(
        await run(root, "list", "import", "l", "more.csv"),
        "la base est verrouillée par un autre programme depuis plus de 5 secondes",
      );
    } finally {
      holder.exec("ROLLBACK");
      holder.close();
    }
  });

  it("read-only file: reading still works, writing names the fix", async () => {
    const root = await withList();
    await chmod(root, 0o755);
    await chmod(path.join(root, ".lettre"), 0o777);
    await chmod(path.join(root, DB), 0o444);
    const show = await lettre(root, ["list", "show", "l"], asUser).done;
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain("liste « l » : 2 abonné(s)");
    expectDiagnostic(
      await lettre(root, ["list", "import", "l", "more.csv"], asUser).done,
      "lettre ne peut pas écrire dans la base (le fichier ou le dossier .lettre est en lecture seule) : rendez-les modifiables (chmod u+w .lettre .lettre/lettre.db)",
    );
  });

  it("read-only folder: names the fix", async () => {
    const root = await withList();
    await chmod(root, 0o755);
    await chmod(path.join(root, DB), 0o666);
    await chmod(path.join(root, ".lettre"), 0o555);
    try {
      expectDiagnostic(
        await lettre(root, ["list", "show", "l"], asUser).done,
        "lettre ne peut pas écrire dans la base",
      );
    } finally {
      await chmod(path.join(root, ".lettre"), 0o755);
    }
  });
});
